// The end of a run: what each node's /healthz and /metrics answer, and the report with its checks.

import type { Network } from './network.js'
import type { TestnetOptions } from './options.js'
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

/** What one node's endpoints answered. */
export type EndpointProbe = NonNullable<TestnetReport['endpoints']>[number]

/** Probes in flight at once: a saturated machine (250 nodes on 2 cores) timed out when all went together. */
const PROBES_IN_FLIGHT = 8
/** Tries per node that answers with an error (a node not ready at that moment); a timeout is final. */
const PROBE_TRIES = 2
/** How long one request may take (default). */
const PROBE_REQUEST_TIMEOUT_MS = 10_000

/**
 * How long all the probes of `nodes` nodes may take together: 60 s and 1 s a node. Without a bound,
 * 175 saturated nodes of a 500-node run (two tries of two 10 s requests each, 8 at a time) held the
 * run's end, and its stop, for over 12 minutes.
 */
export function probeBudgetMs(nodes: number): number {
  return 60_000 + 1_000 * nodes
}

/** The node answered /healthz with 200 and served the metrics. */
function answered(probe: EndpointProbe): boolean {
  return probe.healthz === 200 && probe.metrics
}

/** One node's /healthz and /metrics, once (`ended` aborts it: the probes' budget or the run's end). */
async function probeOnce(
  label: string,
  url: string,
  ended: AbortSignal,
  timeoutMs: number,
): Promise<EndpointProbe & { timedOut: boolean }> {
  const signal = () => AbortSignal.any([ended, AbortSignal.timeout(timeoutMs)])
  try {
    const health = await fetch(`${url}/healthz`, { signal: signal() })
    const text = await (await fetch(`${url}/metrics`, { signal: signal() })).text()
    return {
      label,
      healthz: health.status,
      metrics: text.includes('depin_node_ready') && text.includes('depin_messaging_published_total'),
      timedOut: false,
    }
  } catch (err) {
    return {
      label,
      healthz: 0,
      metrics: false,
      timedOut: err instanceof Error && err.name === 'TimeoutError',
    }
  }
}

/** Options of {@link probeEndpoints}. */
export interface ProbeOptions {
  /** The run was interrupted: no probe starts, one in flight is abandoned. */
  signal?: AbortSignal
  /** All probes together end after this (default {@link probeBudgetMs} of the nodes probed). */
  budgetMs?: number
  /** How long one request may take (default 10 s). */
  requestTimeoutMs?: number
}

/**
 * The operator's view: every running registered node answers /healthz 200 and serves the metrics.
 * At most {@link PROBES_IN_FLIGHT} at once, spread over the worker threads, and a node that answers
 * with an error is asked again, within one budget for all: a node not reached by then (or when
 * `signal` aborts) is marked `probed: false`.
 */
export async function probeEndpoints(network: Network, options: ProbeOptions = {}): Promise<EndpointProbe[]> {
  const targets = network.nodes.filter(
    (n) => n.status === 'running' && n.metricsUrl !== undefined && network.registry.has(n.wallet),
  )
  const budget = AbortSignal.timeout(options.budgetMs ?? probeBudgetMs(targets.length))
  const ended = options.signal === undefined ? budget : AbortSignal.any([budget, options.signal])
  const timeoutMs = options.requestTimeoutMs ?? PROBE_REQUEST_TIMEOUT_MS
  const probes: EndpointProbe[] = targets.map((n) => ({
    label: n.label,
    healthz: 0,
    metrics: false,
    probed: false,
  }))
  let next = 0
  const worker = async (): Promise<void> => {
    // In start order: consecutive nodes run on different worker threads (placement.ts spreads
    // them), so the probes in flight do not queue on one saturated thread.
    for (let i = next++; i < targets.length && !ended.aborted; i = next++) {
      const node = targets[i] as (typeof targets)[number]
      let result: Awaited<ReturnType<typeof probeOnce>>
      let tries = 0
      do result = await probeOnce(node.label, node.metricsUrl as string, ended, timeoutMs)
      while (++tries < PROBE_TRIES && !answered(result) && !result.timedOut && !ended.aborted)
      const { timedOut: _, ...probe } = result
      // A probe cut short by the budget did not get its answer: the node counts as not probed.
      if (answered(probe) || !ended.aborted) probes[i] = probe
    }
  }
  await Promise.all(Array.from({ length: Math.min(PROBES_IN_FLIGHT, targets.length) }, worker))
  return probes
}

/**
 * The endpoints' check: every node probed, and every probe answered 200 with the metrics; the detail
 * names the nodes that did not answer, and counts those not probed within the budget.
 */
export function endpointsCheck(probes: EndpointProbe[], budgetMs = probeBudgetMs(probes.length)): Check {
  const notProbed = probes.filter((p) => p.probed === false).length
  const failed = probes.filter((p) => p.probed !== false && !answered(p))
  const parts: string[] = []
  if (failed.length > 0)
    parts.push(
      `${failed.length} of ${probes.length} nodes failed: ${failed
        .map((p) => `${p.label}: /healthz ${p.healthz}, /metrics ${p.metrics ? 'ok' : 'MISSING'}`)
        .join('; ')}`,
    )
  if (notProbed > 0)
    parts.push(`${notProbed} of ${probes.length} nodes not probed within the probes' ${budgetMs / 1000} s`)
  return {
    name: 'metrics and health endpoints',
    ok: parts.length === 0,
    detail: parts.length === 0 ? `${probes.length} nodes: /healthz 200, /metrics ok` : parts.join('; '),
  }
}

/** The report of a run; adds the checks every run makes (ready, delivered, intruders refused) to `checks`. */
export function buildReport(
  options: TestnetOptions,
  network: Network,
  measured: MeasuredPhase[],
  checks: Check[],
  outcome: Record<string, unknown>,
  startedAt: Date,
): TestnetReport {
  const phases = measured.map((p) => phaseFigures(p, network.nodes, network.intruders))
  const nodes = network.nodes.map((n) => nodeFigures(n, measured))
  const running = nodes.filter((n) => n.status === 'running')
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
      peersPerNode: spread(running.map((n) => n.peers)),
      connectionsOpenedPerNode: spread(running.map((n) => n.connectionsOpened)),
      highMark: network.highMark,
      longestAboveHighMs: Math.max(0, ...nodes.map((n) => n.longestAboveHighMs)),
      worstLoopDelayPerNode: spread(running.map((n) => n.worstLoopDelayMs)),
    },
    phases,
    nodes,
    intruders,
    scenarioOutcome: outcome,
    checks,
  }
}
