import { type ChildProcess, fork } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateWallet } from '@depin/identity'
import { type BootstrapNode, NODE_PROCESS_FLAGS } from '@depin/pubsub'
import type { TestnetOptions } from './options.js'
import type {
  ChildConfig,
  ChildMessage,
  ChildStats,
  ParentMessage,
  PhaseCommand,
  PhaseCounts,
} from './protocol.js'

const STOP_TIMEOUT_MS = 8_000

/**
 * Node processes share V8's compiled code through Node's on-disk compile cache: each would
 * otherwise compile the whole node (before it was one bundled file, ~1,000 modules: about 1.6 s of
 * CPU per process with 25 nodes starting at once on 2 cores). A cache the user set
 * (NODE_COMPILE_CACHE) is kept.
 */
const CHILD_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'depin-testnet-compile-cache'),
}

export type NodeStatus = 'new' | 'starting' | 'running' | 'killed' | 'stopped' | 'failed'

/** One node of the testnet as the parent sees it, across restarts. */
export interface NodeHandle {
  index: number
  role: ChildConfig['role']
  /** `0`, `1`, ... for registered nodes; `i0`, `i1`, ... for intruders. */
  label: string
  peerId: string
  wallet: string
  secretKey: string
  listenPorts: { quic: number; tcp: number }
  status: NodeStatus
  process: ChildProcess | undefined
  multiaddrs: string[]
  metricsUrl: string | undefined
  latest: ChildStats | undefined
  /** Counts per phase id (a phase runs within one process lifetime). */
  phases: Map<number, PhaseCounts>
  latencies: Map<number, number[]>
  transitions: Array<{ atMs: number; ready: boolean; peers: number; event: string }>
  starts: number
  everReady: boolean
  maxPeers: number
  failure: string | undefined
  /** Registered nodes: times a stats report listed an intruder among the connected peers. */
  intruderSightings: number
  /** Host gater refusals by PeerId, per process lifetime (key: start number). */
  denied: Map<number, Record<string, number>>
}

/** Picks a free TCP port and a free UDP port on 127.0.0.1 (for bootstrap nodes, whose ports must be known). */
async function freePorts(taken: Set<number>): Promise<{ quic: number; tcp: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as { port: number }).port
        server.close(() => resolve(port))
      })
    })
    const quic = await new Promise<number>((resolve, reject) => {
      const socket = createSocket('udp4')
      socket.once('error', reject)
      socket.bind(0, '127.0.0.1', () => {
        const port = socket.address().port
        socket.close(() => resolve(port))
      })
    })
    if (!taken.has(tcp) && !taken.has(quic)) {
      taken.add(tcp)
      taken.add(quic)
      return { quic, tcp }
    }
  }
  throw new Error('could not find free ports on 127.0.0.1')
}

function portOf(multiaddrs: string[], pattern: RegExp): number | undefined {
  for (const addr of multiaddrs) {
    const match = pattern.exec(addr)
    if (match?.[1] !== undefined) return Number(match[1])
  }
  return undefined
}

/**
 * The registry owner and process supervisor: generates wallets, answers the children's
 * `getAuthorizedWallets` / `getBootstrapNodes` over IPC, starts, kills and stops node processes,
 * and keeps what they report.
 */
export class Network {
  readonly nodes: NodeHandle[] = []
  readonly intruders: NodeHandle[] = []
  /** The on-chain registry stand-in: wallets allowed in the database. */
  readonly registry = new Set<string>()
  /** Indices of registered nodes listed as bootstrap nodes, in order. */
  bootstrapIndices: number[] = [0]
  readonly t0 = Date.now()
  private readonly usedPorts = new Set<number>()
  private readonly childPath = new URL('./child.js', import.meta.url)
  private readonly databaseName = 'testnet'

  constructor(
    private readonly options: TestnetOptions,
    private readonly log: (line: string) => void,
  ) {}

  now(): number {
    return Date.now() - this.t0
  }

  /** Generates the wallets (registered nodes in the registry, intruders not) and the bootstrap ports. */
  async prepare(bootstrapIndices: number[]): Promise<void> {
    this.bootstrapIndices = bootstrapIndices
    for (let index = 0; index < this.options.nodes; index++) {
      const handle = this.handle(
        index,
        bootstrapIndices.includes(index) ? 'bootstrap' : 'node',
        String(index),
      )
      if (handle.role === 'bootstrap') handle.listenPorts = await freePorts(this.usedPorts)
      this.nodes.push(handle)
      this.registry.add(handle.wallet)
    }
    for (let index = 0; index < this.options.intruders; index++) {
      this.intruders.push(this.handle(index, 'intruder', `i${index}`))
    }
  }

  private handle(index: number, role: ChildConfig['role'], label: string): NodeHandle {
    const generated = generateWallet()
    return {
      index,
      role,
      label,
      peerId: generated.identity.peerId.toString(),
      wallet: generated.wallet,
      secretKey: generated.secretKeyBase58,
      listenPorts: { quic: 0, tcp: 0 },
      status: 'new',
      process: undefined,
      multiaddrs: [],
      metricsUrl: undefined,
      latest: undefined,
      phases: new Map(),
      latencies: new Map(),
      transitions: [],
      starts: 0,
      everReady: false,
      maxPeers: 0,
      failure: undefined,
      intruderSightings: 0,
      denied: new Map(),
    }
  }

  /** The registry's bootstrap list: the bootstrap nodes' wallets and fixed ports. */
  bootstrapList(): BootstrapNode[] {
    return this.bootstrapIndices.map((i) => {
      const node = this.nodes[i] as NodeHandle
      return { publicKey: node.wallet, ip: '127.0.0.1', ...this.transportPorts(node.listenPorts) }
    })
  }

  /** What intruders dial: every running registered node. */
  private everyNodeList(): BootstrapNode[] {
    const list: BootstrapNode[] = []
    for (const node of this.nodes) {
      if (node.status !== 'running') continue
      const quic = portOf(node.multiaddrs, /\/udp\/(\d+)\/quic-v1/)
      const tcp = portOf(node.multiaddrs, /\/tcp\/(\d+)\/p2p\//)
      list.push({
        publicKey: node.wallet,
        ip: '127.0.0.1',
        ...this.transportPorts({ quic: quic ?? 0, tcp: tcp ?? 0 }),
      })
    }
    return list
  }

  private transportPorts(ports: { quic: number; tcp: number }): { quicPort?: number; tcpPort?: number } {
    const t = this.options.transport
    return {
      ...(t !== 'tcp' && ports.quic > 0 ? { quicPort: ports.quic } : {}),
      ...(t !== 'quic' && ports.tcp > 0 ? { tcpPort: ports.tcp } : {}),
    }
  }

  /** Starts the node's process; resolves once it listens (or rejects if it failed). */
  start(node: NodeHandle): Promise<void> {
    node.status = 'starting'
    node.starts++
    node.latest = undefined
    const child = fork(this.childPath, [], {
      execArgv: [...NODE_PROCESS_FLAGS],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      env: CHILD_ENV,
    })
    node.process = child
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2_000)
    })
    const metricsPort =
      this.options.metricsPort === 0
        ? 0
        : this.options.metricsPort + (node.role === 'intruder' ? this.options.nodes + node.index : node.index)
    const config: ChildConfig = {
      index: node.index,
      role: node.role,
      secretKey: node.secretKey,
      databaseName: this.databaseName,
      topics: Array.from({ length: this.options.topics }, (_, i) => `topic-${i}`),
      listenPorts: node.listenPorts,
      transports: { quic: this.options.transport !== 'tcp', tcp: this.options.transport !== 'quic' },
      refreshIntervalMs: this.options.refreshIntervalMs,
      timings: this.options.timings,
      size: this.options.size,
      metricsPort,
    }
    // Many processes starting at once on few cores each take seconds to load: allow for it.
    const listenTimeoutMs = 20_000 + 1_000 * (this.options.nodes + this.options.intruders)
    return new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => {
        fail(`node ${node.label} did not start listening in ${listenTimeoutMs} ms`)
        child.kill('SIGKILL')
      }, listenTimeoutMs)
      const fail = (message: string): void => {
        clearTimeout(timeout)
        node.failure ??= message
        reject(new Error(message))
      }
      child.on('message', (message: ChildMessage) => {
        if (node.process !== child) return
        switch (message.type) {
          case 'listening':
            clearTimeout(timeout)
            node.status = 'running'
            node.multiaddrs = message.multiaddrs
            node.metricsUrl = message.metricsUrl
            resolve()
            break
          case 'ask':
            this.send(child, {
              type: 'answer',
              id: message.id,
              value:
                message.what === 'wallets'
                  ? [...this.registry]
                  : node.role === 'intruder'
                    ? this.everyNodeList()
                    : this.bootstrapList(),
            })
            break
          case 'transition':
            node.transitions.push({
              atMs: this.now(),
              ready: message.ready,
              peers: message.peers,
              event: message.ready ? 'ready' : 'not-ready',
            })
            if (message.ready) node.everReady = true
            if (node.role === 'intruder') break // its brief handshakes flap; the hosts' refusals tell the story
            this.log(
              `node ${node.label} ${message.ready ? 'ready' : 'NOT ready'} (${message.peers} peer${message.peers === 1 ? '' : 's'})`,
            )
            break
          case 'stats':
            this.record(node, message)
            break
          case 'failed':
            node.status = 'failed'
            fail(`node ${node.label} failed: ${message.message}`)
            break
          case 'stopped':
            break
        }
      })
      child.once('exit', (code, signal) => {
        if (node.process !== child) return
        if (node.status === 'starting' || node.status === 'running') {
          node.status = 'failed'
          const why = `node ${node.label} exited (${signal ?? code})${stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').slice(-3).join(' | ')}`}`
          node.failure ??= why
          this.log(why)
          fail(why)
        }
      })
      this.send(child, { type: 'start', config })
    })
  }

  private record(node: NodeHandle, stats: ChildStats): void {
    node.latest = stats
    if (stats.ready) node.everReady = true
    node.maxPeers = Math.max(node.maxPeers, stats.peers.length)
    node.denied.set(node.starts, stats.deniedPeers)
    if (node.role !== 'intruder') {
      for (const intruder of this.intruders)
        if (stats.peers.includes(intruder.peerId)) node.intruderSightings++
    }
    for (const [id, counts] of Object.entries(stats.phases)) node.phases.set(Number(id), counts)
    for (const [id, values] of Object.entries(stats.latencies)) {
      const list = node.latencies.get(Number(id)) ?? []
      for (const v of values) list.push(v)
      node.latencies.set(Number(id), list)
    }
  }

  private send(child: ChildProcess, message: ParentMessage): void {
    if (child.connected) child.send(message, (err) => err && undefined)
  }

  /** Times the registered nodes' host gaters refused `peerId` (summed over their latest reports). */
  refusalsOf(peerId: string): number {
    let total = 0
    for (const node of this.nodes) for (const denied of node.denied.values()) total += denied[peerId] ?? 0
    return total
  }

  setPhase(command: PhaseCommand, nodes: NodeHandle[]): void {
    for (const node of nodes)
      if (node.process !== undefined && node.status === 'running') this.send(node.process, command)
  }

  /** Kills the node's process at once (a crash: no clean disconnect). */
  async kill(node: NodeHandle): Promise<void> {
    const child = node.process
    node.status = 'killed'
    node.transitions.push({ atMs: this.now(), ready: false, peers: 0, event: 'killed' })
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGKILL')
    await exited
  }

  /** Asks every process to disconnect cleanly; kills those that do not exit in time. */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.nodes, ...this.intruders].map(async (node) => {
        const child = node.process
        if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
        if (node.status === 'running' || node.status === 'starting') node.status = 'stopped'
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        this.send(child, { type: 'stop' })
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
        await exited
        clearTimeout(timer)
      }),
    )
  }
}
