import { hasTopicPeers, heard, probeRate, probeSenders } from './mesh-check.js'
import { Network, type NodeHandle } from './network.js'
import type { TestnetOptions } from './options.js'
import { choosePlacement } from './placement.js'
import {
  type Check,
  intruderFigures,
  latency,
  type MeasuredPhase,
  nodeFigures,
  phaseFigures,
  spread,
  type TestnetReport,
  WINDOW,
} from './report.js'

const POLL_MS = 100
/** How long a start batch of a large network may take to be ready before the next one starts anyway. */
const BATCH_READY_MS = 30_000

/** What the view shows while the testnet runs. */
export interface RunState {
  network: Network
  phase: string
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

class StepFailed extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Polls `condition` until true; throws {@link StepFailed} with `what` after `timeoutMs`. */
async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  what: string,
  signal: AbortSignal,
): Promise<number> {
  const started = Date.now()
  for (let waited = 0; waited <= timeoutMs; waited = Date.now() - started) {
    if (condition()) return Date.now() - started
    await sleep(POLL_MS, signal)
  }
  throw new StepFailed(`timed out after ${timeoutMs} ms waiting for ${what}`)
}

/** Runs the testnet with `options`; always stops every process; resolves to the report. */
export async function runTestnet(options: TestnetOptions, hooks: RunHooks): Promise<TestnetReport> {
  const { signal } = hooks
  const placement = choosePlacement(options)
  const network = new Network(options, hooks.log, placement)
  const checks: Check[] = []
  const measured: MeasuredPhase[] = []
  const outcome: Record<string, unknown> = {}
  const startedAt = new Date()
  const publishMs = options.durationS * 1000
  const state: RunState = {
    network,
    phase: 'starting',
    counting: false,
    measured,
    expectedEndMs: publishMs + options.idleS * 1000 + 5_000,
  }
  let nextPhaseId = 1
  // Bounds that grow with the network (N nodes on a few cores).
  const READY_TIMEOUT_MS = 30_000 + 1_000 * options.nodes
  // A network of hundreds on two cores spends minutes at full CPU on its start (connections, DHT):
  // the mesh check waits through it.
  const MESH_TIMEOUT_MS = 60_000 + 2_000 * options.nodes
  const DRAIN_TIMEOUT_MS = 5_000 + 1_000 * options.nodes

  const setPhase = (phase: string, counting = false): void => {
    state.phase = phase
    state.counting = counting
    hooks.log(`phase: ${phase}`)
    hooks.onState(state)
  }
  const check = (name: string, ok: boolean, detail: string): void => {
    checks.push({ name, ok, detail })
  }
  const nodes = (indices: number[]): NodeHandle[] => indices.map((i) => network.nodes[i] as NodeHandle)
  const range = (from: number, to: number): number[] =>
    Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i)
  const all = (): number[] => range(0, options.nodes)
  const ready = (n: NodeHandle): boolean => n.status === 'running' && n.latest?.ready === true

  const startNodes = async (indices: number[]): Promise<void> => {
    for (let i = 0; i < indices.length; i += options.startBatch) {
      const batch = nodes(indices.slice(i, i + options.startBatch))
      await Promise.all(batch.map((n) => network.start(n)))
      // In a large network the next batch waits (bounded) for this one to be ready: a thousand
      // nodes dialing the bootstrap nodes at once time out their handshakes and retry, and the
      // retries are a storm of their own.
      if (
        i + options.startBatch < indices.length &&
        options.nodes > 16 &&
        network.nodes[0]?.status === 'running'
      )
        await waitUntil(() => batch.every(ready), BATCH_READY_MS, 'a start batch', signal).catch((err) => {
          if (!(err instanceof StepFailed)) throw err
        })
    }
    for (const n of nodes(indices))
      hooks.log(`node ${n.label} (${n.role}) ${short(n.peerId)} listening; metrics ${n.metricsUrl}/metrics`)
  }
  const startIntruders = async (): Promise<void> => {
    await Promise.all(network.intruders.map((n) => network.start(n)))
    for (const n of network.intruders)
      hooks.log(`intruder ${n.label} ${short(n.peerId)} (unregistered wallet) started`)
  }
  const waitReady = async (indices: number[], what: string): Promise<number> => {
    const ms = await waitUntil(() => nodes(indices).every(ready), READY_TIMEOUT_MS, what, signal)
    hooks.log(`${what}: all ${indices.length} ready after ${ms} ms`)
    return ms
  }
  /**
   * Probe events until every member heard every probing member on every topic, and every member has
   * a peer on every topic. Up to {@link MESH_PROBE_SENDERS} members every member probes; beyond, a
   * sample spread over the start order (the first and the last batch in it): each probe costs N-1
   * deliveries, so probing from all N would cost N^2 (a million at N = 1000).
   */
  const formMesh = async (members: number[]): Promise<number> => {
    const id = nextPhaseId++
    setPhase('forming mesh (probe events, not counted)')
    const list = nodes(members)
    const senders = probeSenders(list)
    const topics = options.topics
    network.setPhase(
      { type: 'phase', id, mode: 'probe', rate: probeRate(senders.length, topics, list.length) },
      senders,
    )
    const heardAll = (): boolean =>
      list.every(
        (receiver) =>
          hasTopicPeers(receiver, topics) &&
          senders.every((sender) => sender === receiver || heard(receiver, sender, id, topics)),
      )
    try {
      const ms = await waitUntil(
        heardAll,
        MESH_TIMEOUT_MS,
        'every member to hear every other on every topic',
        signal,
      )
      hooks.log(`mesh formed in ${ms} ms`)
      return ms
    } catch (err) {
      const missing = list.flatMap((r) =>
        senders.filter((s) => s !== r && !heard(r, s, id, topics)).map((s) => `${s.label}->${r.label}`),
      )
      const alone = list
        .filter((n) => !hasTopicPeers(n, topics))
        .map((n) => `${n.label} (${n.latest?.peers.length ?? 0} peers)`)
      const m = list
        .map((n) => {
          const s = n.latest
          if (s === undefined) return `${n.label}: no stats`
          const topicPeers = Object.values(s.topicPeers).join('/')
          return `${n.label}: peers ${s.peers.length}, connections ${s.connections}, topic peers ${topicPeers}, link repairs ${s.linkRepairs}, ${JSON.stringify(s.messaging)}`
        })
        .join('; ')
      throw err instanceof StepFailed
        ? new StepFailed(
            `${err.message} (not heard: ${missing.join(', ') || 'none'}; without a peer on every topic: ${alone.join(', ') || 'none'}; ${m})`,
          )
        : err
    } finally {
      network.setPhase({ type: 'phase', id, mode: 'quiet', rate: 0 }, list)
    }
  }
  /** Publishes at the configured rate for `ms`; counts every member's events at every other member. */
  const measure = async (
    name: string,
    members: number[],
    ms: number,
    excluded: number[] = [],
  ): Promise<void> => {
    const id = nextPhaseId++
    const phase: MeasuredPhase = {
      id,
      name,
      members,
      excluded,
      startedAtMs: network.now(),
      publishMs: ms,
      drainMs: 0,
    }
    measured.push(phase)
    network.bandWatchFromMs ??= network.now()
    setPhase(`${name} (publishing, counted)`, true)
    const publishers = [...nodes([...members, ...excluded]), ...network.intruders]
    network.setPhase({ type: 'phase', id, mode: 'measure', rate: options.rate }, publishers)
    await sleep(ms, signal)
    network.setPhase({ type: 'phase', id, mode: 'quiet', rate: 0 }, publishers)
    setPhase(`${name} (draining late deliveries)`, true)
    const started = Date.now()
    try {
      await waitUntil(
        () => phaseFigures(phase, network.nodes, network.intruders).missing === 0,
        DRAIN_TIMEOUT_MS,
        'late deliveries',
        signal,
      )
    } catch (err) {
      if (!(err instanceof StepFailed)) throw err
    }
    // One more stats round so the counts of the last events are in.
    await sleep(600, signal)
    phase.drainMs = Date.now() - started
  }

  try {
    hooks.log(
      `scenario: ${options.scenario}; ${options.nodes} nodes + ${options.intruders} intruders; transport ${options.transport}; ` +
        (placement.kind === 'process'
          ? 'one process per node'
          : `${placement.hosts} host processes, up to ${placement.nodesPerThread} nodes per worker thread`),
    )
    switch (options.scenario) {
      case 'none': {
        await network.prepare([0])
        await startNodes([0])
        // Intruders start with the others: they re-read the list of running nodes on every retry.
        await Promise.all([startNodes(range(1, options.nodes)), startIntruders()])
        setPhase('waiting for readiness')
        outcome.allReadyMs = await waitReady(all(), 'network')
        // When each step ended, in ms from the network's start (t0, epoch ms): a benchmark sampling
        // the processes from outside reads its idle and busy windows from here.
        const timeline: Record<string, unknown> = { t0: network.t0, readyAtMs: network.now() }
        outcome.timeline = timeline
        outcome.meshFormedMs = await formMesh(all())
        timeline.meshAtMs = network.now()
        if (options.idleS > 0) {
          setPhase(`idle for ${options.idleS} s (nothing published)`)
          const fromMs = network.now()
          await sleep(options.idleS * 1000, signal)
          timeline.idle = { fromMs, toMs: network.now() }
        }
        timeline.publish = { fromMs: network.now(), toMs: network.now() + publishMs }
        await measure('steady', all(), publishMs)
        break
      }
      case 'late-bootstrap': {
        await network.prepare([0])
        const clients = range(1, options.nodes)
        await startNodes(clients)
        await startIntruders()
        setPhase('clients up, bootstrap node not started yet')
        const retriedMs = await waitUntil(
          () => nodes(clients).every((n) => (n.latest?.retryAttempts ?? 0) >= 1),
          READY_TIMEOUT_MS,
          'every client to retry its bootstrap list',
          signal,
        )
        const notReadyBefore = nodes(clients).filter((n) => !ready(n)).length
        outcome.clientsRetryingBeforeBootstrap = clients.length
        outcome.clientsNotReadyBeforeBootstrap = notReadyBefore
        hooks.log(`all ${clients.length} clients retried (${retriedMs} ms); starting the bootstrap node`)
        check(
          'clients not ready before bootstrap',
          notReadyBefore === clients.length,
          `${notReadyBefore}/${clients.length} not ready while the bootstrap node was down`,
        )
        const bootstrapAt = network.now()
        await startNodes([0])
        setPhase('waiting for readiness')
        outcome.readyAfterBootstrapMs = await waitReady(all(), 'network after the bootstrap node started')
        outcome.bootstrapStartedAtMs = bootstrapAt
        outcome.clientRetryAttempts = Object.fromEntries(
          nodes(clients).map((n) => [n.label, n.latest?.retryAttempts ?? 0]),
        )
        await formMesh(all())
        await measure('after late bootstrap', all(), publishMs)
        break
      }
      case 'bootstrap-failover': {
        await network.prepare([0, 1])
        const newcomer = options.nodes - 1
        const before = range(0, newcomer)
        const after = range(1, options.nodes)
        await startNodes([0, 1])
        await startNodes(range(2, newcomer))
        await startIntruders()
        setPhase('waiting for readiness')
        await waitReady(before, 'network')
        await formMesh(before)
        await measure('before failover', before, publishMs / 2)
        setPhase('killing bootstrap node 0')
        await network.kill(network.nodes[0] as NodeHandle)
        hooks.log('bootstrap node 0 killed; starting a newcomer whose first bootstrap entry is dead')
        await startNodes([newcomer])
        setPhase('waiting for readiness after failover')
        outcome.readyAfterFailoverMs = await waitReady(after, 'network after failover')
        const n = network.nodes[newcomer] as NodeHandle
        outcome.newcomer = {
          label: n.label,
          peers: n.latest?.peers.length ?? 0,
          connectedToSecondBootstrap:
            n.latest?.peers.includes((network.nodes[1] as NodeHandle).peerId) ?? false,
          bootstrapAttempts: n.latest?.bootstrapAttempts ?? 0,
          bootstrapFailures: n.latest?.bootstrapFailures ?? 0,
        }
        check(
          'newcomer joined through the second bootstrap node',
          ready(n),
          `node ${n.label} ready with ${n.latest?.peers.length ?? 0} peers`,
        )
        await formMesh(after)
        await measure('after failover', after, publishMs / 2)
        break
      }
      case 'partition': {
        await network.prepare([0])
        await startNodes([0])
        // Intruders start with the others: they re-read the list of running nodes on every retry.
        await Promise.all([startNodes(range(1, options.nodes)), startIntruders()])
        setPhase('waiting for readiness')
        await waitReady(all(), 'network')
        await formMesh(all())
        await measure('before partition', all(), publishMs / 2)
        const survivor = network.nodes[options.nodes - 1] as NodeHandle
        const killed = range(0, options.nodes - 1)
        setPhase(`partition: killing nodes ${killed.join(', ')}`)
        await Promise.all(nodes(killed).map((n) => network.kill(n)))
        const lostMs = await waitUntil(
          () => survivor.latest?.ready === false,
          READY_TIMEOUT_MS,
          `node ${survivor.label} to notice it lost every peer`,
          signal,
        )
        outcome.survivor = survivor.label
        outcome.survivorNotReadyAfterMs = lostMs
        hooks.log(`node ${survivor.label} not ready ${lostMs} ms after the partition; restarting the others`)
        setPhase('healing: restarting killed nodes')
        await startNodes([0])
        await startNodes(range(1, options.nodes - 1))
        outcome.healedReadyMs = await waitReady(all(), 'network after healing')
        outcome.survivorRecoveryMs = survivor.latest?.lastRecoveryMs ?? null
        outcome.survivorTransitions = survivor.transitions.map(
          (t) => `${(t.atMs / 1000).toFixed(1)}s ${t.event}`,
        )
        const events = survivor.transitions.map((t) => t.event)
        const lost = events.lastIndexOf('not-ready')
        check(
          'survivor went not-ready and recovered',
          lost >= 0 && events.indexOf('ready', lost) > lost && ready(survivor),
          events.join(' -> '),
        )
        await formMesh(all())
        await measure('after heal', all(), publishMs / 2)
        break
      }
      case 'revoke': {
        await network.prepare([0])
        await startNodes([0])
        // Intruders start with the others: they re-read the list of running nodes on every retry.
        await Promise.all([startNodes(range(1, options.nodes)), startIntruders()])
        setPhase('waiting for readiness')
        await waitReady(all(), 'network')
        await formMesh(all())
        await measure('before revoke', all(), publishMs / 2)
        const revoked = network.nodes[options.nodes - 1] as NodeHandle
        const members = range(0, options.nodes - 1)
        setPhase(`revoking node ${revoked.label}'s wallet in the registry`)
        network.registry.delete(revoked.wallet)
        revoked.transitions.push({
          atMs: network.now(),
          ready: revoked.latest?.ready ?? false,
          peers: revoked.latest?.peers.length ?? 0,
          event: 'revoked',
        })
        const droppedMs = await waitUntil(
          () =>
            (revoked.latest?.peers.length ?? 1) === 0 &&
            nodes(members).every((n) => !(n.latest?.peers.includes(revoked.peerId) ?? true)),
          options.refreshIntervalMs * 5 + 10_000,
          `node ${revoked.label}'s connections to drop`,
          signal,
        )
        outcome.revoked = revoked.label
        outcome.connectionsDroppedAfterMs = droppedMs
        hooks.log(
          `node ${revoked.label} disconnected from everyone ${droppedMs} ms after its wallet left the registry`,
        )
        await formMesh(members)
        await measure('after revoke', members, publishMs / 2, [revoked.index])
        const phase = phaseFigures(
          measured[measured.length - 1] as MeasuredPhase,
          network.nodes,
          network.intruders,
        )
        outcome.revokedEventsPublished = phase.excludedPublished
        outcome.revokedEventsDelivered = phase.excludedDelivered
        outcome.revokedRefusals = network.refusalsOf(revoked.peerId)
        check(
          'revoked node cut off',
          // The revoked node keeps dialing (its retry loop); members end each attempt at the handshake.
          phase.excludedPublished > 0 &&
            phase.excludedDelivered === 0 &&
            nodes(members).every((n) => !(n.latest?.peers.includes(revoked.peerId) ?? false)),
          `${phase.excludedPublished} events published by node ${revoked.label} after revocation, ${phase.excludedDelivered} delivered`,
        )
        break
      }
    }
  } catch (err) {
    if (signal.aborted) check('completed', false, 'interrupted (Ctrl-C)')
    else check('completed', false, err instanceof Error ? err.message : String(err))
  }

  // The operator's view: every running registered node answers /healthz 200 and serves the metrics.
  const probes = await Promise.all(
    network.nodes
      .filter((n) => n.status === 'running' && n.metricsUrl !== undefined && network.registry.has(n.wallet))
      .map(async (n) => {
        try {
          const health = await fetch(`${n.metricsUrl}/healthz`, { signal: AbortSignal.timeout(10_000) })
          const text = await (
            await fetch(`${n.metricsUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })
          ).text()
          return {
            label: n.label,
            healthz: health.status,
            metrics: text.includes('depin_node_ready') && text.includes('depin_messaging_published_total'),
          }
        } catch {
          return { label: n.label, healthz: 0, metrics: false }
        }
      }),
  )
  if (probes.length > 0 && !signal.aborted) {
    check(
      'metrics and health endpoints',
      probes.every((p) => p.healthz === 200 && p.metrics),
      probes
        .map((p) => `${p.label}: /healthz ${p.healthz}, /metrics ${p.metrics ? 'ok' : 'MISSING'}`)
        .join('; '),
    )
  }

  setPhase('stopping every node')
  const report = { ...buildReport(options, network, measured, checks, outcome, startedAt), endpoints: probes }
  await network.stopAll()
  return report
}

function short(peerId: string): string {
  return `${peerId.slice(0, 4)}…${peerId.slice(-6)}`
}

function buildReport(
  options: TestnetOptions,
  network: Network,
  measured: MeasuredPhase[],
  checks: Check[],
  outcome: Record<string, unknown>,
  startedAt: Date,
): TestnetReport {
  const phases = measured.map((p) => phaseFigures(p, network.nodes, network.intruders))
  const nodes = network.nodes.map((n) => nodeFigures(n, measured))
  const intruders = network.intruders.map((i) => intruderFigures(i, network))
  // Killed-for-good and revoked nodes are not expected to be ready at the end.
  const expectedRunning = network.nodes.filter(
    (n) => n.status !== 'killed' && n.status !== 'new' && network.registry.has(n.wallet),
  )
  const notReady = expectedRunning.filter((n) => !(n.status === 'running' && n.latest?.ready === true))
  checks.unshift({
    name: 'every node ready',
    ok: notReady.length === 0 && expectedRunning.length > 0,
    detail:
      notReady.length === 0
        ? `${expectedRunning.length} running nodes ready`
        : `not ready: ${notReady.map((n) => `${n.label}${n.failure === undefined ? '' : ` (${n.failure})`}`).join(', ')}`,
  })
  const published = phases.reduce((a, p) => a + p.published, 0)
  const expected = phases.reduce((a, p) => a + p.expected, 0)
  const delivered = phases.reduce((a, p) => a + p.delivered, 0)
  checks.push({
    name: 'every event reached every subscriber',
    ok: phases.length > 0 && published > 0 && phases.every((p) => p.missing === 0),
    detail:
      phases
        .map(
          (p) => `${p.name}: ${p.delivered}/${p.expected} (${p.published} published, ${p.missing} missing)`,
        )
        .join('; ') || 'no measured phase',
  })
  const intruderEvents = phases.reduce((a, p) => a + p.intruderEventsDelivered, 0)
  checks.push({
    name: 'every intruder refused',
    ok: intruders.every((i) => i.refusedAll) && intruderEvents === 0,
    detail:
      intruders.length === 0
        ? 'no intruders'
        : `${intruders.map((i) => `${i.label}: refused ${i.refused} times (${i.attempts} dials), accepted by ${i.acceptedBy.length === 0 ? 'no node' : i.acceptedBy.join(', ')}`).join('; ')}; intruder events delivered: ${intruderEvents}`,
  })
  const allLatencies = measured.flatMap((p) => network.nodes.flatMap((n) => n.latencies.get(p.id) ?? []))
  const { live: _live, ...reportedOptions } = options
  return {
    ok: checks.every((c) => c.ok),
    scenario: options.scenario,
    options: reportedOptions,
    window: WINDOW,
    startedAt: startedAt.toISOString(),
    runMs: network.now(),
    totals: {
      published,
      expected,
      delivered,
      missing: expected - delivered,
      deliveredRatio: expected === 0 ? 0 : delivered / expected,
      latencyMs: latency(allLatencies),
      peersPerNode: spread(nodes.filter((n) => n.status === 'running').map((n) => n.peers)),
      highMark: network.highMark,
      longestAboveHighMs: Math.max(0, ...nodes.map((n) => n.longestAboveHighMs)),
    },
    phases,
    nodes,
    intruders,
    scenarioOutcome: outcome,
    checks,
  }
}
