// The steps every scenario is made of, over one network: start nodes (in batches), wait until they
// are ready, form the mesh with probe events, and measure a phase of counted events.

import { setTimeout as sleep } from 'node:timers/promises'
import { short } from './format.js'
import {
  aloneMembers,
  heard,
  joinProgress,
  meshFailureDetail,
  meshProgress,
  probeRate,
  probeSenders,
} from './mesh-check.js'
import type { Network } from './network.js'
import type { NodeHandle } from './node-handle.js'
import type { TestnetOptions } from './options.js'
import { type Check, type MeasuredPhase, phaseFigures } from './report.js'

const POLL_MS = 100
/** How long a start batch of a large network may take to be ready before the next one starts anyway. */
const BATCH_READY_MS = 30_000

/** A step did not happen in time; the run records it as a failed check. */
export class StepFailed extends Error {
  override name = 'StepFailed'
}

/** Polls `condition` until true; resolves with the time it took; throws {@link StepFailed} after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
  signal: AbortSignal,
): Promise<number> {
  const started = Date.now()
  for (let waited = 0; waited <= timeoutMs; waited = Date.now() - started) {
    if (condition()) return Date.now() - started
    await sleep(POLL_MS, undefined, { signal })
  }
  throw new StepFailed(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** What the view shows while the testnet runs. */
export interface RunState {
  network: Network
  phase: string
  /** What the phase still waits for, read when a view draws (the mesh check's pairs not yet heard). */
  waitingFor?: (() => string) | undefined
  counting: boolean
  measured: MeasuredPhase[]
  expectedEndMs: number
}

export interface RunHooks {
  log(line: string): void
  /** Aborted on Ctrl-C. */
  signal: AbortSignal
  onState(state: RunState): void
}

/** The steps of a run, with its state, its checks and its scenario's outcome. */
export class Steps {
  readonly checks: Check[] = []
  readonly outcome: Record<string, unknown> = {}
  readonly publishMs: number
  /** Bounds that grow with the network (N nodes on a few cores). */
  readonly readyTimeoutMs: number
  /**
   * A network of hundreds on two cores spends minutes at full CPU on its start (connections, DHT):
   * the mesh check waits through it.
   */
  private readonly meshTimeoutMs: number
  private readonly drainTimeoutMs: number
  private nextPhaseId = 1

  constructor(
    readonly options: TestnetOptions,
    readonly network: Network,
    readonly state: RunState,
    readonly hooks: RunHooks,
  ) {
    this.publishMs = options.durationS * 1000
    this.readyTimeoutMs = 30_000 + 1_000 * options.nodes
    this.meshTimeoutMs = 60_000 + 2_000 * options.nodes
    this.drainTimeoutMs = 5_000 + 1_000 * options.nodes
  }

  get signal(): AbortSignal {
    return this.hooks.signal
  }

  setPhase(phase: string, counting = false): void {
    this.state.phase = phase
    this.state.counting = counting
    this.hooks.log(`phase: ${phase}`)
    this.hooks.onState(this.state)
  }

  check(name: string, ok: boolean, detail: string): void {
    this.checks.push({ name, ok, detail })
  }

  nodes(indices: number[]): NodeHandle[] {
    return indices.map((i) => this.network.nodes[i] as NodeHandle)
  }

  /** The node indices `from` .. `to - 1`. */
  range(from: number, to: number): number[] {
    return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i)
  }

  all(): number[] {
    return this.range(0, this.options.nodes)
  }

  ready(n: NodeHandle): boolean {
    return n.status === 'running' && n.latest?.ready === true
  }

  waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<number> {
    return waitUntil(condition, timeoutMs, what, this.signal)
  }

  sleep(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.signal })
  }

  async startNodes(indices: number[]): Promise<void> {
    const { startBatch, nodes } = this.options
    for (let i = 0; i < indices.length; i += startBatch) {
      const batch = this.nodes(indices.slice(i, i + startBatch))
      await Promise.all(batch.map((n) => this.network.start(n)))
      // In a large network the next batch waits (bounded) for this one to be ready: a thousand
      // nodes dialing the bootstrap nodes at once time out their handshakes and retry, and the
      // retries are a storm of their own.
      if (i + startBatch < indices.length && nodes > 16 && this.network.nodes[0]?.status === 'running')
        await this.waitUntil(() => batch.every((n) => this.ready(n)), BATCH_READY_MS, 'a start batch').catch(
          (err) => {
            if (!(err instanceof StepFailed)) throw err
          },
        )
    }
    for (const n of this.nodes(indices))
      this.hooks.log(
        `node ${n.label} (${n.role}) ${short(n.peerId)} listening; metrics ${n.metricsUrl}/metrics`,
      )
  }

  async startIntruders(): Promise<void> {
    await Promise.all(this.network.intruders.map((n) => this.network.start(n)))
    for (const n of this.network.intruders)
      this.hooks.log(`intruder ${n.label} ${short(n.peerId)} (unregistered wallet) started`)
  }

  async waitReady(indices: number[], what: string): Promise<number> {
    const ms = await this.waitUntil(
      () => this.nodes(indices).every((n) => this.ready(n)),
      this.readyTimeoutMs,
      what,
    )
    this.hooks.log(`${what}: all ${indices.length} ready after ${ms} ms`)
    return ms
  }

  /**
   * The bootstrap node 0 first, then every other node with the intruders (they re-read the list of
   * running nodes on every retry); resolves with the time until every node was ready.
   */
  async startNetwork(): Promise<number> {
    await this.network.prepare([0])
    await this.startNodes([0])
    await Promise.all([this.startNodes(this.range(1, this.options.nodes)), this.startIntruders()])
    this.setPhase('waiting for readiness')
    return this.waitReady(this.all(), 'network')
  }

  /**
   * The network up ({@link startNetwork}), the mesh formed and a measured phase `before <fault>` of
   * half the publishing time; returns the last node (the one the fault spares or hits) and the others.
   */
  async beforeFault(fault: string): Promise<{ last: NodeHandle; others: number[] }> {
    await this.startNetwork()
    await this.formMesh(this.all())
    await this.measure(`before ${fault}`, this.all(), this.publishMs / 2)
    const others = this.range(0, this.options.nodes - 1)
    return { last: this.network.nodes[this.options.nodes - 1] as NodeHandle, others }
  }

  /**
   * Waits until every member has a peer on every topic, then probes events until every member heard
   * every probing member on every topic (which members probe, and how fast: mesh-check.ts).
   *
   * No probe is sent while a member has no topic peer, and probing pauses whenever one loses its
   * last: it could not hear a probe, and at 1000 nodes on two cores the probes' 400 deliveries a
   * second are the CPU a late node needs to finish identify with its first peers (the nodes left
   * without a topic peer in the 1000-node runs).
   */
  async formMesh(members: number[]): Promise<number> {
    const id = this.nextPhaseId++
    const list = this.nodes(members)
    const topics = this.options.topics
    const senders = probeSenders(list, topics)
    const rate = probeRate(senders.length, topics, list.length)
    // Whether the senders probe now, and whether they ever did.
    let probing = false
    let probed = false
    const waiting = (): void => {
      this.setPhase('forming mesh (waiting for topic peers)')
      this.state.waitingFor = () => joinProgress(list, topics)
    }
    const probe = (on: boolean): void => {
      probing = on
      probed ||= on
      if (on) {
        this.setPhase('forming mesh (probe events, not counted)')
        // For the views: what it waits for now is a few pairs that have not heard each other.
        this.state.waitingFor = () => meshProgress(list, senders, id, topics)
      } else waiting()
      this.network.setPhase({ type: 'phase', id, mode: on ? 'probe' : 'quiet', rate: on ? rate : 0 }, senders)
    }
    const formed = (): boolean => {
      const alone = aloneMembers(list, topics).length > 0
      if (alone === probing) probe(!alone)
      return (
        !alone &&
        list.every((receiver) =>
          senders.every((sender) => sender === receiver || heard(receiver, sender, id, topics)),
        )
      )
    }
    const started = Date.now()
    try {
      waiting()
      await this.waitUntil(
        formed,
        this.meshTimeoutMs,
        'every member to have a peer on every topic and hear every probing member',
      )
      const ms = Date.now() - started
      this.hooks.log(`mesh formed in ${ms} ms`)
      return ms
    } catch (err) {
      if (!(err instanceof StepFailed)) throw err
      throw new StepFailed(`${err.message} (${meshFailureDetail(list, probed ? senders : [], id, topics)})`)
    } finally {
      this.state.waitingFor = undefined
      if (probed) this.network.setPhase({ type: 'phase', id, mode: 'quiet', rate: 0 }, list)
    }
  }

  /** Publishes at the configured rate for `ms`; counts every member's events at every other member. */
  async measure(
    name: string,
    members: number[],
    ms: number,
    excluded: number[] = [],
  ): Promise<MeasuredPhase> {
    const network = this.network
    const id = this.nextPhaseId++
    const phase: MeasuredPhase = {
      id,
      name,
      members,
      excluded,
      startedAtMs: network.now(),
      publishMs: ms,
      drainMs: 0,
    }
    this.state.measured.push(phase)
    network.bandWatchFromMs ??= network.now()
    this.setPhase(`${name} (publishing, counted)`, true)
    const registered = this.nodes([...members, ...excluded])
    const publishers = [...registered, ...network.intruders]
    network.setPhase({ type: 'phase', id, mode: 'measure', rate: this.options.rate }, publishers)
    await this.sleep(ms)
    network.setPhase({ type: 'phase', id, mode: 'quiet', rate: 0 }, publishers)
    this.setPhase(`${name} (draining late deliveries)`, true)
    const started = Date.now()
    // Complete once every running registered publisher has reported after going quiet (before that,
    // a count of published events can miss the last ones, and a phase read as complete would lose a
    // receiver's late report: a node killed right after the drain once missed one event that way)
    // and every event it published has reached every other member.
    const reportedQuiet = (): boolean =>
      registered.every((n) => n.status !== 'running' || (n.latest?.quietPhase ?? -1) >= id)
    await this.waitUntil(
      () => reportedQuiet() && phaseFigures(phase, network.nodes, network.intruders).missing === 0,
      this.drainTimeoutMs,
      'late deliveries',
    ).catch((err) => {
      if (!(err instanceof StepFailed)) throw err
    })
    // One more stats round so the counts of the last events are in.
    await this.sleep(600)
    phase.drainMs = Date.now() - started
    return phase
  }
}
