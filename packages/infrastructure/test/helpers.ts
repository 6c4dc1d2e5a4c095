import { createRegistryGater, type RegistryGater } from '@depin/gater'
import type { BootstrapNode, WalletIdentity } from '@depin/identity'
import type { Logger } from '@depin/logger'
import { createInMemoryRegistry, generateWallet, type InMemoryRegistry } from '@depin/test-utils'
import { createNode, type DepinNode, type NodeInit } from '../src/index.js'

/** Short timings so the retry loop and rendezvous run within a test's budget. */
export const FAST: Partial<NodeInit> = {
  listenHost: '127.0.0.1',
  listenPorts: { quic: 0, tcp: 0 },
  // A vanished peer is noticed after the idle timeout: short in tests. (A half-open QUIC handshake
  // holds a listener's stop() ~3 s whatever the idle timeout: measured with libp2p-quic 2.1.1.)
  quic: { maxIdleTimeoutMs: 2_000, keepAliveIntervalMs: 1_000 },
  bootstrap: { dialTimeoutMs: 1_000, retryInitialDelayMs: 200, retryIntervalMs: 400 },
  rendezvous: { findIntervalMs: 500, advertiseIntervalMs: 5_000 },
}

/** Log lines worth reading in the test output: readiness and first-peer timings. */
const SHOWN = /first peer connected|node became ready|node no longer ready|bootstrap retry/

/** A logger that keeps every line and prints timing lines with the node's label. */
export function createTestLogger(label: string): Logger & { lines: string[] } {
  const lines: string[] = []
  const log =
    (level: string) =>
    (msg: string, ...kv: unknown[]): void => {
      const pairs: string[] = []
      for (let i = 0; i < kv.length; i += 2) pairs.push(`${String(kv[i])}=${format(kv[i + 1])}`)
      const line = `[${label}] ${level} ${msg} ${pairs.join(' ')}`
      lines.push(line)
      if (process.env.INFRA_TEST_LOG) console.info(new Date().toISOString().slice(17, 23), line)
      else if (level !== 'debug' && SHOWN.test(msg)) console.info(line)
    }
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}

function format(value: unknown): string {
  if (value instanceof Error) return value.message
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}

/** The bootstrap entry of a running node, as the registry would publish it. */
export function bootstrapEntryOf(node: DepinNode): BootstrapNode {
  let quicPort: number | undefined
  let tcpPort: number | undefined
  for (const addr of node.libp2p.getMultiaddrs()) {
    const parts = addr.getComponents()
    if (parts.some((c) => c.name === 'p2p-circuit')) continue
    const udp = parts.find((c) => c.name === 'udp')
    const tcp = parts.find((c) => c.name === 'tcp')
    if (udp?.value !== undefined && parts.some((c) => c.name === 'quic-v1')) quicPort = Number(udp.value)
    if (tcp?.value !== undefined) tcpPort = Number(tcp.value)
  }
  return { publicKey: node.wallet, ip: '127.0.0.1', quicPort, tcpPort }
}

/**
 * Starts nodes for one test, all authorized by one in-memory registry (pre-filled with a pool of
 * wallets so no gater has to ask on a miss), and stops them all in `stopAll()` (call it in afterEach).
 *
 * @example
 * const net = createTestNetwork()
 * afterEach(() => net.stopAll())
 * const a = await net.start({ name: 'a' })
 */
export interface TestNetwork {
  readonly registry: InMemoryRegistry
  /** Creates a node (next pooled wallet unless `identity`), and joins `database` with a registry gater. */
  start(options?: TestNodeOptions): Promise<TestNode>
  /** Stops one node and its gater. */
  stop(node: TestNode): Promise<void>
  /** The next pooled (authorized) wallet, for a node started later by the test. */
  nextIdentity(): WalletIdentity
  stopAll(): Promise<void>
}

export interface TestNodeOptions {
  name?: string
  identity?: WalletIdentity
  init?: Partial<NodeInit>
  bootstrap?: BootstrapNode[] | (() => BootstrapNode[])
  /** Database to join; `false` joins none. @default 'test-db' */
  database?: string | false
}

export interface TestNode {
  name: string
  node: DepinNode
  gater: RegistryGater
  logger: Logger & { lines: string[] }
  identity: WalletIdentity
}

export function createTestNetwork(options: { poolSize?: number } = {}): TestNetwork {
  const pool = Array.from({ length: options.poolSize ?? 8 }, () => generateWallet().identity)
  const registry = createInMemoryRegistry(pool.map((identity) => identity.wallet))
  const running = new Set<TestNode>()
  let count = 0
  const stop = async (test: TestNode): Promise<void> => {
    running.delete(test)
    await Promise.allSettled([test.node.stop(), test.gater.stop()])
  }
  return {
    registry,
    async start(opts = {}) {
      const name = opts.name ?? `node${count}`
      // Past the pool, a fresh wallet joins the registry; gaters learn it on their next miss.
      const identity = opts.identity ?? pool[count] ?? generateWallet().identity
      count++
      registry.add(identity.wallet)
      const logger = createTestLogger(name)
      const bootstrap = opts.bootstrap ?? []
      const gater = createRegistryGater({
        getAuthorizedWallets: registry.getAuthorizedWallets,
        refreshIntervalMs: 60_000,
        missCallIntervalMs: 50,
        deniedCacheSize: 0,
      })
      await gater.start()
      const node = await createNode({
        identity,
        getBootstrapNodes: async () => (typeof bootstrap === 'function' ? bootstrap() : bootstrap),
        logger,
        ...FAST,
        ...opts.init,
      }).catch(async (err: unknown) => {
        await gater.stop()
        throw err
      })
      const test: TestNode = { name, node, gater, logger, identity }
      running.add(test)
      if (opts.database !== false) await node.joinDatabase(opts.database ?? 'test-db', gater)
      return test
    },
    stop,
    nextIdentity() {
      const identity = pool[count] ?? generateWallet().identity
      count++
      registry.add(identity.wallet)
      return identity
    },
    async stopAll() {
      await Promise.allSettled([...running].map(stop))
    },
  }
}

/**
 * Two ports that were free a moment ago (one UDP for QUIC, one TCP), for a node that must start
 * later at an address already published in a bootstrap list.
 */
export async function reservePorts(): Promise<{ quic: number; tcp: number }> {
  const { createServer } = await import('node:net')
  const { createSocket } = await import('node:dgram')
  const tcp = await new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
  const quic = await new Promise<number>((resolve, reject) => {
    const socket = createSocket('udp4')
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address()
      socket.close(() => resolve(port))
    })
  })
  return { quic, tcp }
}

/** RTT samples latency-aware peering took, whichever way (QUIC's own estimate, or a ping stream). */
export function rttSamplesOf(peering: { pings: number; transportRttReads: number }): number {
  return peering.pings + peering.transportRttReads
}

/**
 * How many contacts each of a node's DHTs holds in its routing table (kad-dht's internals; the LAN
 * DHT's is undefined when it does not run). A contact is in only after the DHT's ping of it answered.
 */
export function routingTableSizes(node: DepinNode): { wan: number; lan: number | undefined } {
  const size = (dht: unknown): number => (dht as { routingTable: { size: number } }).routingTable.size
  const { dht, lanDht } = node.libp2p.services
  return { wan: size(dht), lan: lanDht === undefined ? undefined : size(lanDht) }
}
