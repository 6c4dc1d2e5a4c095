import type { BootstrapNode } from '@depin/identity'
import { answerAsks, spawnNodeProcess } from '@depin/test-utils/node-process'
import type { ChildConfig, ChildMessage, ConnectionInfo, NodeSnapshot, ParentMessage } from './protocol.js'

const CHILD_URL = new URL('./child.ts', import.meta.url)
const LISTEN_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_MS = 6_000
const PUBLISH_TIMEOUT_MS = 5_000
const INSPECT_TIMEOUT_MS = 5_000
const DEBUG_LINES_KEPT = 2_000

/** The registry a node process reads through its parent (the test owns and changes it). */
export interface NodeRegistry {
  getAuthorizedWallets(options: { signal: AbortSignal }): Promise<Iterable<string>>
  getBootstrapNodes(options: { signal: AbortSignal }): Promise<BootstrapNode[]>
}

/** How to start a node in a namespace. */
export interface SpawnNodeOptions {
  /** Base58 Solana secret key; sent over IPC only. */
  secretKey: string
  databaseName: string
  registry: NodeRegistry
  /** Subscribe to this topic and record what arrives; omit for a node that only relays. */
  topic?: string
  /** @default { quic: 4001, tcp: 4002 } (every namespace has its own ports) */
  listenPorts?: { quic: number; tcp: number }
  /** @default { quic: true, tcp: true } */
  transports?: { quic: boolean; tcp: boolean }
  /** Listen on `/p2p-circuit` too (take a relay reservation). @default false */
  relayClient?: boolean
  /** Serve circuit relay v2. @default true (the infrastructure default) */
  relayServer?: boolean
  /** @default [] */
  announceAddresses?: string[]
  /** @default 2_000 */
  refreshIntervalMs?: number
  /**
   * Keep libp2p's AutoNAT v1 server. Off by default: @libp2p/autonat 3.0.28's server closes the
   * requester's existing connection after a dial-back on public addresses, which drops every
   * NATed node's connection to the relay within a second. @default false
   */
  autonatServer?: boolean
  /**
   * The address to listen on: `'0.0.0.0'` for IPv4 (a topology with `ipv4`; UPnP maps IPv4 only).
   * @default '::'
   */
  listenHost?: '::' | '0.0.0.0'
  /**
   * @depin/infrastructure's `portMapping`; its default maps ports when listening on `0.0.0.0`
   * (searching the LAN by SSDP: only inside the namespace). @default undefined (the infrastructure default)
   */
  portMapping?: boolean
  /**
   * libp2p debug namespaces to enable in the node (its `DEBUG`), e.g. `'libp2p:dcutr*'`; their lines
   * are kept in {@link NetlabNode.debugLog}. @default undefined (none)
   */
  debug?: string
}

/** An event a node received, with the time its handler ran (Unix ms; one clock for every namespace). */
export interface ReceivedEvent {
  /** The event id (UUID v4 chosen by its publisher). */
  id: string
  fromPeerId: string
  message: unknown
  /** Delivered by a catch-up from a peer's history (`event.replayed`), not live. */
  replayed: boolean
  at: number
}

/** A node process inside a namespace, as the test sees it. Fields are updated as the node reports. */
export interface NetlabNode {
  readonly name: string
  readonly namespace: string
  /** The node process's pid. */
  readonly pid: number
  readonly peerId: string
  readonly wallet: string
  /** Latest readiness reported (ready = at least one peer). */
  readonly ready: boolean
  /** Every readiness transition, in order. */
  readonly transitions: ReadonlyArray<{ ready: boolean; at: number }>
  /** The node's own addresses, latest (with `/p2p-circuit` ones once a reservation is held). */
  readonly multiaddrs: readonly string[]
  /** When `multiaddrs` last changed (Unix ms). */
  readonly multiaddrsAt: number
  readonly connections: readonly ConnectionInfo[]
  /** Every connection snapshot, in order (for reports: did a relayed connection become direct?). */
  readonly connectionHistory: ReadonlyArray<{ connections: ConnectionInfo[]; at: number }>
  readonly received: readonly ReceivedEvent[]
  /** Whether the process is running. */
  readonly running: boolean
  /** Recent stderr lines (for failure messages). */
  readonly stderr: readonly string[]
  /** Lines of the libp2p components named by `debug` (bounded). */
  readonly debugLog: readonly string[]
  publish(message: unknown): Promise<void>
  /** Asks the node for its database's metrics (`db.metrics()`) and its topic's peers (`db.topicPeers`). */
  inspect(): Promise<NodeSnapshot>
  /** Graceful stop (disconnect), then SIGKILL if it does not exit in time. Idempotent. */
  stop(): Promise<void>
  /** Kills the process at once (a crash). */
  kill(): Promise<void>
}

/**
 * Starts `child.ts` inside `namespace` (`ip netns exec`, which execs Node in place, so the IPC
 * channel and the pid are the node's) and resolves once it listens.
 */
export async function spawnNode(
  name: string,
  namespace: string,
  options: SpawnNodeOptions,
): Promise<NetlabNode> {
  const config: ChildConfig = {
    secretKey: options.secretKey,
    databaseName: options.databaseName,
    ...(options.topic === undefined ? {} : { topic: options.topic }),
    listenPorts: options.listenPorts ?? { quic: 4001, tcp: 4002 },
    transports: options.transports ?? { quic: true, tcp: true },
    relayClient: options.relayClient ?? false,
    relayServer: options.relayServer ?? true,
    announceAddresses: options.announceAddresses ?? [],
    refreshIntervalMs: options.refreshIntervalMs ?? 2_000,
    autonatServer: options.autonatServer ?? false,
    listenHost: options.listenHost ?? '::',
    ...(options.portMapping === undefined ? {} : { portMapping: options.portMapping }),
  }
  const debugLog: string[] = []
  const proc = spawnNodeProcess<ParentMessage, ChildMessage>({
    script: CHILD_URL,
    wrapper: ['ip', 'netns', 'exec', namespace],
    env: {
      NODE_NO_WARNINGS: '1',
      ...(options.debug === undefined ? {} : { DEBUG: options.debug, DEBUG_COLORS: '0' }),
    },
    onStderrLine: (line) => {
      if (options.debug === undefined || !line.includes('libp2p:')) return false
      if (debugLog.length < DEBUG_LINES_KEPT) debugLog.push(line)
      return true
    },
  })
  const state = {
    ready: false,
    transitions: [] as Array<{ ready: boolean; at: number }>,
    multiaddrs: [] as string[],
    multiaddrsAt: 0,
    connections: [] as ConnectionInfo[],
    connectionHistory: [] as Array<{ connections: ConnectionInfo[]; at: number }>,
    received: [] as ReceivedEvent[],
  }
  answerAsks<'wallets' | 'bootstrap'>(proc, (what, signal) =>
    what === 'wallets'
      ? options.registry.getAuthorizedWallets({ signal }).then((wallets) => [...wallets])
      : options.registry.getBootstrapNodes({ signal }),
  )
  proc.onMessage((message) => {
    switch (message.type) {
      case 'listening':
        state.multiaddrs = message.multiaddrs
        state.multiaddrsAt = Date.now()
        break
      case 'readiness':
        state.ready = message.ready
        state.transitions.push({ ready: message.ready, at: message.at })
        break
      case 'event':
        state.received.push({
          id: message.eventId,
          fromPeerId: message.fromPeerId,
          message: message.message,
          replayed: message.replayed,
          at: message.at,
        })
        break
      case 'connections':
        state.connections = message.connections
        state.connectionHistory.push({ connections: message.connections, at: message.at })
        break
      case 'addresses':
        state.multiaddrs = message.multiaddrs
        state.multiaddrsAt = message.at
        break
    }
  })
  proc.send({ type: 'start', config })

  let listening: Extract<ChildMessage, { type: 'listening' }>
  try {
    listening = await proc.ready('listening', {
      timeoutMs: LISTEN_TIMEOUT_MS,
      what: `${name} listening in ${namespace}`,
      failed: (m) => (m.type === 'failed' ? `node failed: ${m.message}` : undefined),
    })
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new Error(`${name} (${namespace}) failed to start: ${reason}\n${proc.stderr.join('\n')}`)
  }
  return {
    name,
    namespace,
    pid: proc.pid,
    peerId: listening.peerId,
    wallet: listening.wallet,
    get ready() {
      return state.ready
    },
    transitions: state.transitions,
    get multiaddrs() {
      return state.multiaddrs
    },
    get multiaddrsAt() {
      return state.multiaddrsAt
    },
    get connections() {
      return state.connections
    },
    connectionHistory: state.connectionHistory,
    received: state.received,
    get running() {
      return proc.running
    },
    stderr: proc.stderr,
    debugLog,
    async publish(message) {
      const answer = await proc.request('published', (id) => ({ type: 'publish', id, message }), {
        timeoutMs: PUBLISH_TIMEOUT_MS,
        what: `${name}: publish`,
      })
      if (answer.error !== undefined) throw new Error(`${name}: publish failed: ${answer.error}`)
    },
    async inspect() {
      const answer = await proc.request('inspected', (id) => ({ type: 'inspect', id }), {
        timeoutMs: INSPECT_TIMEOUT_MS,
        what: `${name}: inspect`,
      })
      if (answer.snapshot === undefined || answer.error !== undefined)
        throw new Error(`${name}: inspect failed: ${answer.error ?? 'no snapshot'}`)
      return answer.snapshot
    },
    stop: () => proc.stop({ message: { type: 'stop' }, timeoutMs: STOP_TIMEOUT_MS }),
    kill: () => proc.kill(),
  }
}
