import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { generateWallet } from '@depin/identity'
import { type BootstrapNode, NODE_DEFAULTS } from '@depin/pubsub'
import { type ChannelHandlers, HostPool, type NodeChannel, processChannel } from './channels.js'
import type { TestnetOptions } from './options.js'
import { degreeSettings, loopbackHost, type Placement } from './placement.js'
import type { ChildConfig, ChildMessage, ChildStats, PhaseCommand, PhaseCounts } from './protocol.js'

const STOP_TIMEOUT_MS = 8_000
/** Registered nodes an intruder tries on each retry. */
const INTRUDER_TARGETS = 8

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
  listenHost: string
  listenPorts: { quic: number; tcp: number }
  status: NodeStatus
  channel: NodeChannel | undefined
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
  /** Since when the node has had more peers than the band's high mark (undefined: not above). */
  aboveHighSinceMs: number | undefined
  /** The longest stretch above the band's high mark so far. */
  longestAboveHighMs: number
  failure: string | undefined
  /** Registered nodes: times a stats report listed an intruder among the connected peers. */
  intruderSightings: number
  /** Host gater refusals by PeerId, per process lifetime (key: start number). */
  denied: Map<number, Record<string, number>>
}

/** Picks a free TCP port and a free UDP port on `host` (for bootstrap nodes, whose ports must be known). */
async function freePorts(host: string, taken: Set<number>): Promise<{ quic: number; tcp: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.once('error', reject)
      server.listen(0, host, () => {
        const port = (server.address() as { port: number }).port
        server.close(() => resolve(port))
      })
    })
    const quic = await new Promise<number>((resolve, reject) => {
      const socket = createSocket('udp4')
      socket.once('error', reject)
      socket.bind(0, host, () => {
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
  throw new Error(`could not find free ports on ${host}`)
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
  private readonly hosts: HostPool | undefined
  private readonly databaseName = 'testnet'
  /** The band's high mark: the testnet's `--degree`, else the library's default. */
  readonly highMark: number
  /**
   * From when stretches above the high mark count (the first measured phase): the start's DHT
   * queries dial most of a small network at once, and those connections are young for a while.
   */
  bandWatchFromMs: number | undefined

  constructor(
    private readonly options: TestnetOptions,
    private readonly log: (line: string) => void,
    placement: Placement = { kind: 'process' },
  ) {
    this.highMark = options.degree?.high ?? NODE_DEFAULTS.connectionLimits.high
    this.hosts =
      placement.kind === 'hosted'
        ? new HostPool(new URL('./host.js', import.meta.url), placement.hosts, placement.nodesPerThread)
        : undefined
  }

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
      if (handle.role === 'bootstrap') handle.listenPorts = await freePorts(handle.listenHost, this.usedPorts)
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
      listenHost: loopbackHost(role, index),
      listenPorts: { quic: 0, tcp: 0 },
      status: 'new',
      channel: undefined,
      multiaddrs: [],
      metricsUrl: undefined,
      latest: undefined,
      phases: new Map(),
      latencies: new Map(),
      transitions: [],
      starts: 0,
      everReady: false,
      maxPeers: 0,
      aboveHighSinceMs: undefined,
      longestAboveHighMs: 0,
      failure: undefined,
      intruderSightings: 0,
      denied: new Map(),
    }
  }

  /** The registry's bootstrap list: the bootstrap nodes' wallets and fixed ports. */
  bootstrapList(): BootstrapNode[] {
    return this.bootstrapIndices.map((i) => {
      const node = this.nodes[i] as NodeHandle
      return { publicKey: node.wallet, ip: node.listenHost, ...this.transportPorts(node.listenPorts) }
    })
  }

  /**
   * What intruders dial: up to 8 running registered nodes, a fresh random pick on every retry (every
   * node of a large network, every second, would be a denial of service, not an intruder).
   */
  private everyNodeList(): BootstrapNode[] {
    const list: BootstrapNode[] = []
    for (const node of this.nodes) {
      if (node.status !== 'running') continue
      const quic = portOf(node.multiaddrs, /\/udp\/(\d+)\/quic-v1/)
      const tcp = portOf(node.multiaddrs, /\/tcp\/(\d+)\/p2p\//)
      list.push({
        publicKey: node.wallet,
        ip: node.listenHost,
        ...this.transportPorts({ quic: quic ?? 0, tcp: tcp ?? 0 }),
      })
    }
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1))
      ;[list[i], list[j]] = [list[j] as BootstrapNode, list[i] as BootstrapNode]
    }
    return list.slice(0, INTRUDER_TARGETS)
  }

  private transportPorts(ports: { quic: number; tcp: number }): { quicPort?: number; tcpPort?: number } {
    const t = this.options.transport
    return {
      ...(t !== 'tcp' && ports.quic > 0 ? { quicPort: ports.quic } : {}),
      ...(t !== 'quic' && ports.tcp > 0 ? { tcpPort: ports.tcp } : {}),
    }
  }

  /** Starts the node (its process, or a slot in a host process); resolves once it listens. */
  start(node: NodeHandle): Promise<void> {
    node.status = 'starting'
    node.starts++
    node.latest = undefined
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
      listenHost: node.listenHost,
      listenPorts: node.listenPorts,
      transports: { quic: this.options.transport !== 'tcp', tcp: this.options.transport !== 'quic' },
      refreshIntervalMs: this.options.refreshIntervalMs,
      timings: this.options.timings,
      size: this.options.size,
      metricsPort,
      // Every report crosses IPC (and lists every sender): fewer of them in large networks.
      statsIntervalMs: Math.max(1_000, 5 * this.options.nodes),
      ...(this.options.degree === undefined
        ? {}
        : { node: degreeSettings(this.options.degree, this.options.timings) }),
    }
    // Many nodes starting at once on few cores each take seconds to load: allow for it.
    const listenTimeoutMs = 20_000 + 1_000 * (this.options.nodes + this.options.intruders)
    return new Promise<void>((resolve, reject) => {
      let channel: NodeChannel | undefined
      const timeout = setTimeout(() => {
        fail(`node ${node.label} did not start listening in ${listenTimeoutMs} ms`)
        void channel?.kill()
      }, listenTimeoutMs)
      const fail = (message: string): void => {
        clearTimeout(timeout)
        node.failure ??= message
        reject(new Error(message))
      }
      const handlers: ChannelHandlers = {
        onMessage: (message) => {
          if (node.channel === channel) this.onMessage(node, message, resolve, fail, timeout)
        },
        onExit: (detail) => {
          if (node.channel !== channel) return
          if (node.status === 'starting' || node.status === 'running') {
            node.status = 'failed'
            const why = `node ${node.label} exited (${detail})`
            node.failure ??= why
            this.log(why)
            fail(why)
          }
        },
      }
      const slot = node.role === 'intruder' ? this.options.nodes + node.index : node.index
      channel = this.hosts?.open(slot, handlers) ?? processChannel(this.childPath, handlers)
      node.channel = channel
      channel.send({ type: 'start', config })
    })
  }

  private onMessage(
    node: NodeHandle,
    message: ChildMessage,
    listening: () => void,
    fail: (message: string) => void,
    timeout: NodeJS.Timeout,
  ): void {
    switch (message.type) {
      case 'listening':
        clearTimeout(timeout)
        node.status = 'running'
        node.multiaddrs = message.multiaddrs
        node.metricsUrl = message.metricsUrl
        listening()
        break
      case 'ask':
        node.channel?.send({
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
        // A thousand nodes becoming ready is not a thousand lines worth reading.
        if (this.options.nodes > 50) break
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
  }

  private record(node: NodeHandle, stats: ChildStats): void {
    node.latest = stats
    if (stats.ready) node.everReady = true
    node.maxPeers = Math.max(node.maxPeers, stats.peers.length)
    if (stats.peers.length > this.highMark && this.bandWatchFromMs !== undefined) {
      node.aboveHighSinceMs ??= this.now()
      node.longestAboveHighMs = Math.max(node.longestAboveHighMs, this.now() - node.aboveHighSinceMs)
    } else {
      node.aboveHighSinceMs = undefined
    }
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

  /** Times the registered nodes' host gaters refused `peerId` (summed over their latest reports). */
  refusalsOf(peerId: string): number {
    let total = 0
    for (const node of this.nodes) for (const denied of node.denied.values()) total += denied[peerId] ?? 0
    return total
  }

  setPhase(command: PhaseCommand, nodes: NodeHandle[]): void {
    for (const node of nodes) if (node.status === 'running') node.channel?.send(command)
  }

  /** Ends the node at once: SIGKILL of its process (a crash: no clean disconnect). */
  async kill(node: NodeHandle): Promise<void> {
    node.status = 'killed'
    node.transitions.push({ atMs: this.now(), ready: false, peers: 0, event: 'killed' })
    await node.channel?.kill()
  }

  /** Asks every node to disconnect cleanly; ends those that do not in time; then the hosts. */
  async stopAll(): Promise<void> {
    await Promise.all(
      [...this.nodes, ...this.intruders].map(async (node) => {
        if (node.channel === undefined || node.channel.exited) return
        if (node.status === 'running' || node.status === 'starting') node.status = 'stopped'
        await node.channel.stop(STOP_TIMEOUT_MS)
      }),
    )
    await this.hosts?.close(STOP_TIMEOUT_MS)
  }
}
