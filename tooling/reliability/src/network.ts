import { generateWallet } from '@depin/identity'
import {
  type BootstrapNode,
  connect,
  type Database,
  type DatabaseConfig,
  type NodeOptions,
} from '@depin/pubsub'

/**
 * Node timings for reliability runs: short bootstrap retry (200 ms, then every 500 ms), quick
 * rendezvous and mesh upkeep, so churn and recovery happen within a test's budget.
 */
export function fastNodeOptions(overrides: NodeOptions = {}): NodeOptions {
  return {
    bootstrap: { dialTimeoutMs: 3_000, retryInitialDelayMs: 200, retryIntervalMs: 500 },
    rendezvous: { findIntervalMs: 10_000, advertiseIntervalMs: 60_000 },
    gossipsub: { heartbeatInterval: 500 },
    ...overrides,
  }
}

/** The loopback address member `index` listens on (127.0.1.1, 127.0.1.2, ...). */
export function hostOf(index: number): string {
  return `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`
}

/** The bootstrap entry of a running database's node on loopback, as a registry would publish it. */
export function bootstrapEntryOf(db: Database): BootstrapNode {
  let quicPort: number | undefined
  let tcpPort: number | undefined
  let ip = '127.0.0.1'
  for (const addr of db.multiaddrs()) {
    const quic = /^\/ip4\/(127\.[\d.]+)\/udp\/(\d+)\/quic-v1\/p2p\//.exec(addr)
    const tcp = /^\/ip4\/(127\.[\d.]+)\/tcp\/(\d+)\/p2p\//.exec(addr)
    if (quic?.[2] !== undefined) [ip, quicPort] = [quic[1] ?? ip, Number(quic[2])]
    if (tcp?.[2] !== undefined) [ip, tcpPort] = [tcp[1] ?? ip, Number(tcp[2])]
  }
  return { publicKey: db.wallet, ip, quicPort, tcpPort }
}

/** One member of a {@link LoopbackNetwork}: its key and, while it runs, its database. */
export interface NetworkMember {
  readonly index: number
  readonly wallet: string
  readonly secretKeyBase58: string
  /** The running database, or undefined while the member is stopped. */
  db: Database | undefined
}

/** Options of {@link createLoopbackNetwork}. */
export interface LoopbackNetworkInit {
  /** Members (wallets) of the network. */
  size: number
  databaseName: string
  /** How many of the first members serve as bootstrap nodes for everyone. @default 3 */
  seeds?: number
  /** The registry; every member's wallet is added to the default one. @default all members */
  getAuthorizedWallets?: DatabaseConfig['getAuthorizedWallets']
  /** Extra config for every member (e.g. `refreshIntervalMs`). */
  config?: Partial<DatabaseConfig>
}

/**
 * N `connect()` databases on loopback in one process. The bootstrap list is live: it names the
 * seeds that run now, at their current ports, as an on-chain registry would after a restart.
 */
export interface LoopbackNetwork {
  readonly members: readonly NetworkMember[]
  readonly wallets: readonly string[]
  /** Connects a stopped member; resolves once it listens (not yet ready). */
  start(index: number): Promise<Database>
  /** Disconnects a running member (idempotent). */
  stop(index: number): Promise<void>
  /** Disconnects every member. */
  stopAll(): Promise<void>
  running(): Database[]
}

export function createLoopbackNetwork(init: LoopbackNetworkInit): LoopbackNetwork {
  const seeds = init.seeds ?? 3
  const members: NetworkMember[] = Array.from({ length: init.size }, (_, index) => {
    const generated = generateWallet()
    return { index, wallet: generated.wallet, secretKeyBase58: generated.secretKeyBase58, db: undefined }
  })
  const wallets = members.map((m) => m.wallet)
  const getAuthorizedWallets = init.getAuthorizedWallets ?? (async () => wallets)
  const getBootstrapNodes = async (): Promise<BootstrapNode[]> =>
    members.slice(0, seeds).flatMap((m) => (m.db === undefined ? [] : [bootstrapEntryOf(m.db)]))

  const member = (index: number): NetworkMember => {
    const m = members[index]
    if (m === undefined) throw new RangeError(`no member ${index}`)
    return m
  }

  return {
    members,
    wallets,
    async start(index) {
      const m = member(index)
      if (m.db !== undefined) return m.db
      m.db = await connect({
        walletPrivateKey: m.secretKeyBase58,
        databaseName: init.databaseName,
        getAuthorizedWallets,
        getBootstrapNodes,
        // A loopback address per member: QUIC dials leave from the listening socket, so each member
        // has its own source IP and libp2p's 5-inbound-connections-per-second-per-IP limit
        // applies per member, as on a real network.
        listenHost: hostOf(index),
        listenPorts: { quic: 0, tcp: 0 },
        node: fastNodeOptions(),
        ...init.config,
      })
      return m.db
    },
    async stop(index) {
      const m = member(index)
      const db = m.db
      m.db = undefined
      await db?.disconnect()
    },
    async stopAll() {
      await Promise.allSettled(members.map((m) => this.stop(m.index)))
    },
    running() {
      return members.flatMap((m) => (m.db === undefined ? [] : [m.db]))
    },
  }
}
