import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BootstrapNode } from '@depin/identity'
import { waitFor } from '@depin/test-utils'
import type { ChildConfig, ChildMessage, ConnectionInfo, NodeSnapshot, ParentMessage } from './protocol.js'

const CHILD_PATH = fileURLToPath(new URL('./child.ts', import.meta.url))
const LISTEN_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_MS = 6_000
const PUBLISH_TIMEOUT_MS = 5_000
const INSPECT_TIMEOUT_MS = 5_000
const STDERR_LINES_KEPT = 40
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

interface NodeState {
  ready: boolean
  transitions: Array<{ ready: boolean; at: number }>
  multiaddrs: string[]
  multiaddrsAt: number
  connections: ConnectionInfo[]
  connectionHistory: Array<{ connections: ConnectionInfo[]; at: number }>
  received: ReceivedEvent[]
  stderr: string[]
  debugLog: string[]
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
  const child: ChildProcess = spawn('ip', ['netns', 'exec', namespace, process.execPath, CHILD_PATH], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: {
      ...process.env,
      NODE_NO_WARNINGS: '1',
      ...(options.debug === undefined ? {} : { DEBUG: options.debug, DEBUG_COLORS: '0' }),
    },
  })
  const state: NodeState = {
    ready: false,
    transitions: [],
    multiaddrs: [],
    multiaddrsAt: 0,
    connections: [],
    connectionHistory: [],
    received: [],
    stderr: [],
    debugLog: [],
  }
  let running = true
  let listening: { peerId: string; wallet: string } | undefined
  let failure: string | undefined
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false
      failure ??= `exited (${signal ?? code})`
      resolve()
    })
  })
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line.trim() === '') continue
      if (options.debug !== undefined && line.includes('libp2p:')) {
        if (state.debugLog.length < DEBUG_LINES_KEPT) state.debugLog.push(line)
        continue
      }
      state.stderr.push(line)
      if (state.stderr.length > STDERR_LINES_KEPT) state.stderr.shift()
    }
  })
  let nextPublish = 0
  const publishes = new Map<number, (error?: string) => void>()
  let nextInspect = 0
  const inspects = new Map<number, (snapshot: NodeSnapshot | undefined, error?: string) => void>()
  const sendToChild = (message: ParentMessage): void => {
    if (child.connected) child.send(message)
  }
  child.on('message', (message: ChildMessage) => {
    switch (message.type) {
      case 'listening':
        listening = { peerId: message.peerId, wallet: message.wallet }
        state.multiaddrs = message.multiaddrs
        state.multiaddrsAt = Date.now()
        break
      case 'ask': {
        const signal = AbortSignal.timeout(4_000)
        const read =
          message.what === 'wallets'
            ? options.registry.getAuthorizedWallets({ signal }).then((wallets) => [...wallets])
            : options.registry.getBootstrapNodes({ signal })
        read.then(
          (value) => sendToChild({ type: 'answer', id: message.id, value }),
          (err: unknown) =>
            sendToChild({
              type: 'answer',
              id: message.id,
              error: err instanceof Error ? err.message : String(err),
            }),
        )
        break
      }
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
      case 'published':
        publishes.get(message.id)?.(message.error)
        break
      case 'inspected':
        inspects.get(message.id)?.(message.snapshot, message.error)
        break
      case 'failed':
        failure = message.message
        break
      case 'stopped':
        break
    }
  })
  child.once('spawn', () => sendToChild({ type: 'start', config }))

  let stopped: Promise<void> | undefined
  const kill = async (): Promise<void> => {
    if (running) child.kill('SIGKILL')
    await exited
  }
  const node: NetlabNode = {
    name,
    namespace,
    pid: child.pid ?? -1,
    get peerId() {
      return listening?.peerId ?? ''
    },
    get wallet() {
      return listening?.wallet ?? ''
    },
    get ready() {
      return state.ready
    },
    get transitions() {
      return state.transitions
    },
    get multiaddrs() {
      return state.multiaddrs
    },
    get multiaddrsAt() {
      return state.multiaddrsAt
    },
    get connections() {
      return state.connections
    },
    get connectionHistory() {
      return state.connectionHistory
    },
    get received() {
      return state.received
    },
    get running() {
      return running
    },
    get stderr() {
      return state.stderr
    },
    get debugLog() {
      return state.debugLog
    },
    publish(message) {
      const id = nextPublish++
      return new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(() => done(`no answer in ${PUBLISH_TIMEOUT_MS} ms`), PUBLISH_TIMEOUT_MS)
        const done = (error?: string): void => {
          clearTimeout(timeout)
          publishes.delete(id)
          if (error === undefined) resolve()
          else reject(new Error(`${name}: publish failed: ${error}`))
        }
        publishes.set(id, done)
        sendToChild({ type: 'publish', id, message })
      })
    },
    inspect() {
      const id = nextInspect++
      return new Promise<NodeSnapshot>((resolve, reject) => {
        const timeout = setTimeout(
          () => done(undefined, `no answer in ${INSPECT_TIMEOUT_MS} ms`),
          INSPECT_TIMEOUT_MS,
        )
        const done = (snapshot: NodeSnapshot | undefined, error?: string): void => {
          clearTimeout(timeout)
          inspects.delete(id)
          if (snapshot !== undefined && error === undefined) resolve(snapshot)
          else reject(new Error(`${name}: inspect failed: ${error ?? 'no snapshot'}`))
        }
        inspects.set(id, done)
        sendToChild({ type: 'inspect', id })
      })
    },
    stop() {
      stopped ??= (async () => {
        if (!running) return
        sendToChild({ type: 'stop' })
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
        await exited
        clearTimeout(timer)
      })()
      return stopped
    },
    kill,
  }
  try {
    await waitFor(() => listening !== undefined || !running || failure !== undefined, {
      timeoutMs: LISTEN_TIMEOUT_MS,
      intervalMs: 25,
      message: `${name} listening in ${namespace}`,
    })
    if (listening === undefined) throw new Error(`node failed: ${failure}`)
  } catch (err) {
    await kill()
    const reason = err instanceof Error ? err.message : String(err)
    throw new Error(`${name} (${namespace}) failed to start: ${reason}\n${state.stderr.join('\n')}`)
  }
  return node
}
