// A testnet run: the network, the scenario's steps, the endpoints' check at the end, the report;
// every node process is stopped whatever happened.

import { buildReport, endpointsCheck, probeEndpoints } from './final-report.js'
import { Network } from './network.js'
import type { TestnetOptions } from './options.js'
import { choosePlacement } from './placement.js'
import type { TestnetReport } from './report.js'
import { runScenario } from './scenarios.js'
import { type RunHooks, type RunState, Steps } from './steps.js'

/** Runs the testnet with `options`; always stops every process; resolves to the report. */
export async function runTestnet(options: TestnetOptions, hooks: RunHooks): Promise<TestnetReport> {
  const { signal } = hooks
  const placement = choosePlacement(options)
  const network = new Network(options, hooks.log, placement)
  const startedAt = new Date()
  const state: RunState = {
    network,
    phase: 'starting',
    counting: false,
    measured: [],
    expectedEndMs: options.durationS * 1000 + options.idleS * 1000 + 5_000,
  }
  const steps = new Steps(options, network, state, hooks)
  try {
    hooks.log(
      `scenario: ${options.scenario}; ${options.nodes} nodes + ${options.intruders} intruders; transport ${options.transport}; ` +
        (placement.kind === 'process'
          ? 'one process per node'
          : `${placement.hosts} host processes of ${placement.threadsPerHost} worker thread${placement.threadsPerHost === 1 ? '' : 's'}, up to ${placement.nodesPerThread} nodes each`),
    )
    await runScenario(steps)
  } catch (err) {
    if (signal.aborted) steps.check('completed', false, 'interrupted (Ctrl-C)')
    else steps.check('completed', false, err instanceof Error ? err.message : String(err))
  }

  // An interrupted run goes straight to stopping: its operator asked for the end.
  if (!signal.aborted) steps.setPhase("checking every node's /healthz and /metrics")
  const probes = signal.aborted ? [] : await probeEndpoints(network, { signal })
  if (probes.length > 0 && !signal.aborted) steps.checks.push(endpointsCheck(probes))

  steps.setPhase('stopping every node')
  const report = {
    ...buildReport(options, network, state.measured, steps.checks, steps.outcome, startedAt),
    endpoints: probes,
  }
  await network.stopAll()
  return report
}
