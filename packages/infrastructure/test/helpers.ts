import type { BootstrapNode } from '@depin/identity'
import type { Logger } from '@depin/logger'
import { generateWallet } from '@depin/test-utils'
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { RegistryGater } from '../src/gater-shim.js'
import { createNode, type DepinNode, type NodeInit } from '../src/index.js'

/** Short timings so the retry loop and rendezvous run within a test's budget. */
export const FAST: Partial<NodeInit> = {
  listenHost: '127.0.0.1',
  listenPorts: { quic: 0, tcp: 0 },
  bootstrap: { dialTimeoutMs: 3_000, retryInitialDelayMs: 200, retryIntervalMs: 400 },
  rendezvous: { findIntervalMs: 500, advertiseIntervalMs: 5_000 },
}

/** A gater member that admits everyone (or, after `deny()`, no one). */
export interface SwitchableGater extends RegistryGater {
  deny(): void
  allow(): void
}

export function createSwitchableGater(): SwitchableGater {
  let denied = false
  const deny = (): boolean => denied
  const connectionGater: ConnectionGater = {
    denyDialPeer: deny,
    denyDialMultiaddr: deny,
    denyInboundConnection: deny,
    denyOutboundConnection: deny,
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
    denyInboundUpgradedConnection: deny,
    denyOutboundUpgradedConnection: deny,
    denyInboundRelayReservation: deny,
    denyOutboundRelayedConnection: deny,
    denyInboundRelayedConnection: deny,
  }
  const gater = {
    connectionGater,
    start: async () => {},
    stop: async () => {},
    isAuthorized: async (_peerId: PeerId) => !denied,
    isAuthorizedCached: (_peerId: PeerId) => !denied,
    refresh: async () => {},
    attach: () => () => {},
    metrics: () => ({}),
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => true,
    safeDispatchEvent: () => true,
    listenerCount: () => 0,
    deny: () => {
      denied = true
    },
    allow: () => {
      denied = false
    },
  }
  return gater as unknown as SwitchableGater
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
      if (level !== 'debug' && SHOWN.test(msg)) console.info(line)
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
 * Starts nodes for one test and stops them all in `stopAll()` (call it in afterEach).
 *
 * @example
 * const net = createTestNetwork()
 * afterEach(() => net.stopAll())
 * const a = await net.start({ name: 'a' })
 */
export interface TestNetwork {
  /** Creates a node (fresh wallet unless `init.identity`), joins `database` with an allow-all gater. */
  start(options?: TestNodeOptions): Promise<TestNode>
  stopAll(): Promise<void>
}

export interface TestNodeOptions {
  name?: string
  init?: Partial<NodeInit>
  bootstrap?: BootstrapNode[] | (() => BootstrapNode[])
  /** Database to join; `false` joins none. @default 'test-db' */
  database?: string | false
}

export interface TestNode {
  node: DepinNode
  gater: SwitchableGater
  logger: Logger & { lines: string[] }
}

export function createTestNetwork(): TestNetwork {
  const nodes: DepinNode[] = []
  let count = 0
  return {
    async start(options = {}) {
      const name = options.name ?? `node${count++}`
      const logger = createTestLogger(name)
      const bootstrap = options.bootstrap ?? []
      const node = await createNode({
        identity: generateWallet().identity,
        getBootstrapNodes: async () => (typeof bootstrap === 'function' ? bootstrap() : bootstrap),
        logger,
        ...FAST,
        ...options.init,
      })
      nodes.push(node)
      const gater = createSwitchableGater()
      if (options.database !== false) await node.joinDatabase(options.database ?? 'test-db', gater)
      return { node, gater, logger }
    },
    async stopAll() {
      const all = nodes.splice(0)
      await Promise.allSettled(all.map((node) => node.stop()))
    },
  }
}
