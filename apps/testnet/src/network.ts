// The testnet parent's side of its nodes: the on-chain registry stand-in (wallets, bootstrap list),
// and the supervisor that starts, kills and stops node processes and keeps what they report.

import type { BootstrapNode } from '@depin/pubsub'
import { NODE_DEFAULTS } from '@depin/pubsub'
import { entryFromMultiaddrs, freePorts, randomPick, transportPorts } from './addresses.js'
import { type ChannelHandlers, HostPool, type NodeChannel, processChannel } from './channels.js'
import { createNodeHandle, type NodeHandle, recordStats } from './node-handle.js'
import { type OnChainRegistry, startOnChainRegistry } from './onchain-chain.js'
import type { TestnetOptions } from './options.js'
import { degreeSettings, type Placement } from './placement.js'
import type { ChildConfig, ChildMessage, PhaseCommand } from './protocol.js'

const STOP_TIMEOUT_MS = 8_000
/** Registered nodes an intruder tries on each retry. */
const INTRUDER_TARGETS = 8

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
  /** `--registry litesvm`: the chain that holds the registry (undefined with the in-memory one). */
  onChain: OnChainRegistry | undefined
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
    readonly placement: Placement = { kind: 'process' },
  ) {
    this.highMark = options.degree?.high ?? NODE_DEFAULTS.connectionLimits.high
    this.hosts =
      placement.kind === 'hosted'
        ? new HostPool(
            new URL('./host.js', import.meta.url),
            placement.hosts,
            placement.nodesPerThread,
            placement.threadsPerHost,
          )
        : undefined
  }

  now(): number {
    return Date.now() - this.t0
  }

  /** Generates the wallets (registered nodes in the registry, intruders not) and the bootstrap ports. */
  async prepare(bootstrapIndices: number[]): Promise<void> {
    this.bootstrapIndices = bootstrapIndices
    for (let index = 0; index < this.options.nodes; index++) {
      const handle = createNodeHandle(
        index,
        bootstrapIndices.includes(index) ? 'bootstrap' : 'node',
        String(index),
      )
      if (handle.role === 'bootstrap') handle.listenPorts = await freePorts(handle.listenHost, this.usedPorts)
      this.nodes.push(handle)
      this.registry.add(handle.wallet)
    }
    for (let index = 0; index < this.options.intruders; index++) {
      this.intruders.push(createNodeHandle(index, 'intruder', `i${index}`))
    }
    if (this.options.registry === 'litesvm') this.onChain = await startOnChainRegistry(this.registry)
  }

  /** The registry's bootstrap list: the bootstrap nodes' wallets and fixed ports. */
  bootstrapList(): BootstrapNode[] {
    return this.bootstrapIndices.map((i) => {
      const node = this.nodes[i] as NodeHandle
      return {
        publicKey: node.wallet,
        ip: node.listenHost,
        ...transportPorts(this.options.transport, node.listenPorts),
      }
    })
  }

  /**
   * What intruders dial: up to 8 running registered nodes, a fresh random pick on every retry (every
   * node of a large network, every second, would be a denial of service, not an intruder).
   */
  private intruderTargets(): BootstrapNode[] {
    const running = this.nodes.filter((node) => node.status === 'running')
    return randomPick(running, INTRUDER_TARGETS).map((node) =>
      entryFromMultiaddrs(node, this.options.transport),
    )
  }

  /** What node `node`'s process is told at start. */
  private childConfig(node: NodeHandle): ChildConfig {
    const o = this.options
    return {
      index: node.index,
      role: node.role,
      secretKey: node.secretKey,
      databaseName: this.databaseName,
      topics: Array.from({ length: o.topics }, (_, i) => `topic-${i}`),
      listenHost: node.listenHost,
      listenPorts: node.listenPorts,
      transports: { quic: o.transport !== 'tcp', tcp: o.transport !== 'quic' },
      refreshIntervalMs: o.refreshIntervalMs,
      timings: o.timings,
      size: o.size,
      metricsPort: o.metricsPort === 0 ? 0 : o.metricsPort + this.slot(node),
      // Every report crosses IPC (and lists every sender): fewer of them in large networks.
      statsIntervalMs: Math.max(1_000, 5 * o.nodes),
      ...(o.degree === undefined ? {} : { node: degreeSettings(o.degree, o.timings) }),
      // Intruders keep asking the parent: they are in no registry, on chain or not.
      ...(this.onChain === undefined || node.role === 'intruder' ? {} : { solana: this.onChain.config }),
    }
  }

  /** The node's place among all: registered nodes first, then intruders (metrics ports, host slots). */
  private slot(node: NodeHandle): number {
    return node.role === 'intruder' ? this.options.nodes + node.index : node.index
  }

  /** Starts the node (its process, or a slot in a host process); resolves once it listens. */
  start(node: NodeHandle): Promise<void> {
    node.status = 'starting'
    node.starts++
    node.latest = undefined
    const config = this.childConfig(node)
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
      channel = this.hosts?.open(this.slot(node), handlers) ?? processChannel(this.childPath, handlers)
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
                ? this.intruderTargets()
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
        recordStats(node, message, {
          nowMs: this.now(),
          highMark: this.highMark,
          bandWatching: this.bandWatchFromMs !== undefined,
          intruders: this.intruders,
        })
        break
      case 'failed':
        node.status = 'failed'
        fail(`node ${node.label} failed: ${message.message}`)
        break
      case 'stopped':
        break
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
    await this.onChain?.stop()
  }
}
