// The testnet end to end, through its CLI, as a user runs it. Tests in this file run one after the
// other (each starts several node processes); timings are short so the file stays under ~2 minutes.
import { describe, expect, test } from 'vitest'
import { failed, runCli } from './helpers.js'

const SHORT = ['--nodes', '3', '--duration', '2', '--rate', '10', '--topics', '2', '--refresh-ms', '500']
const TIMEOUT = 100_000

describe('testnet CLI', () => {
  test(
    'smoke: 3 nodes and an intruder; every event delivered, intruder refused, exit 0',
    async () => {
      const run = await runCli([...SHORT, '--intruders', '1'])
      expect(run.code, failed(run)).toBe(0)
      const report = run.report
      expect(report?.ok).toBe(true)
      expect(report?.nodes).toHaveLength(3)
      for (const node of report?.nodes ?? []) {
        expect(node.ready).toBe(true)
        expect(node.peerId).toMatch(/^12D3KooW/)
        // Each node on its own loopback address (127.1.x.y), as separate machines would be.
        expect(node.metricsUrl).toMatch(/^http:\/\/127\.1\.\d+\.\d+:\d+$/)
      }
      expect(report?.totals.published).toBeGreaterThan(0)
      expect(report?.totals.missing).toBe(0)
      expect(report?.totals.delivered).toBe(report?.totals.expected)
      expect(report?.totals.latencyMs.p50).not.toBeNull()
      // The timeline a benchmark reads: the counted phase's drain ends after its publishing starts.
      const timeline = report?.scenarioOutcome.timeline as {
        publish: { fromMs: number }
        measuredAtMs: number
      }
      expect(timeline.measuredAtMs).toBeGreaterThan(timeline.publish.fromMs)
      expect(report?.intruders).toHaveLength(1)
      expect(report?.intruders[0]?.refused).toBeGreaterThan(0)
      expect(report?.intruders[0]?.acceptedBy).toEqual([])
      expect(report?.phases[0]?.intruderEventsDelivered).toBe(0)
      expect(report?.checks.find((c) => c.name === 'metrics and health endpoints')?.ok).toBe(true)
      expect(run.stdout).toContain('testnet OK')
      // the end-of-run endpoint check has a phase of its own (not "draining late deliveries")
      const phases = (run.stdout + run.stderr).match(/phase: [^\n]*/g) ?? []
      expect(phases.slice(-2)).toEqual([
        "phase: checking every node's /healthz and /metrics",
        'phase: stopping every node',
      ])
      // No secret key ever reaches the output.
      expect(run.stdout + run.stderr + JSON.stringify(report)).not.toMatch(
        /secretKey|[1-9A-HJ-NP-Za-km-z]{87,88}/,
      )
    },
    TIMEOUT,
  )

  test(
    'late-bootstrap: clients start first, retry, and become ready once the bootstrap node appears',
    async () => {
      const run = await runCli([
        ...SHORT,
        '--intruders',
        '0',
        '--transport',
        'tcp',
        '--scenario',
        'late-bootstrap',
      ])
      expect(run.code, failed(run)).toBe(0)
      const outcome = run.report?.scenarioOutcome
      expect(outcome?.clientsNotReadyBeforeBootstrap).toBe(2)
      expect(Object.values(outcome?.clientRetryAttempts as Record<string, number>).every((n) => n >= 1)).toBe(
        true,
      )
      expect(run.report?.totals.missing).toBe(0)
    },
    TIMEOUT,
  )

  test(
    'bootstrap-failover: the first bootstrap node dies; a newcomer joins through the second',
    async () => {
      const run = await runCli([
        ...SHORT,
        '--intruders',
        '0',
        '--transport',
        'quic',
        '--scenario',
        'bootstrap-failover',
      ])
      expect(run.code, failed(run)).toBe(0)
      const report = run.report
      expect(report?.nodes[0]?.status).toBe('killed')
      expect(report?.scenarioOutcome.newcomer).toMatchObject({ connectedToSecondBootstrap: true })
      expect(report?.phases.map((p) => p.name)).toEqual(['before failover', 'after failover'])
      expect(report?.phases[1]?.members).toEqual(['1', '2'])
      expect(report?.phases.every((p) => p.missing === 0 && p.published > 0)).toBe(true)
    },
    TIMEOUT,
  )

  test(
    'partition: all but one node killed; the survivor goes not-ready, then everything recovers',
    async () => {
      const run = await runCli([...SHORT, '--intruders', '0', '--scenario', 'partition'])
      expect(run.code, failed(run)).toBe(0)
      const report = run.report
      const survivor = report?.nodes[2]
      const events = survivor?.transitions.map((t) => t.event) ?? []
      expect(events).toContain('not-ready')
      expect(events.at(-1)).toBe('ready')
      expect(survivor?.notReadyTransitions).toBeGreaterThanOrEqual(1)
      expect(report?.nodes[0]?.starts).toBe(2)
      expect(report?.nodes[0]?.transitions.map((t) => t.event)).toContain('killed')
      expect(report?.phases.every((p) => p.missing === 0 && p.published > 0)).toBe(true)
    },
    TIMEOUT,
  )

  test(
    'revoke: a wallet leaves the registry; its connections drop and its events stop arriving',
    async () => {
      const run = await runCli([...SHORT, '--intruders', '0', '--scenario', 'revoke'])
      expect(run.code, failed(run)).toBe(0)
      const report = run.report
      const after = report?.phases[1]
      expect(after?.members).toEqual(['0', '1'])
      expect(after?.excludedPublished).toBeGreaterThan(0)
      expect(after?.excludedDelivered).toBe(0)
      expect(after?.missing).toBe(0)
      expect(report?.scenarioOutcome.revoked).toBe('2')
      expect(report?.scenarioOutcome.revokedRefusals as number).toBeGreaterThanOrEqual(0)
      expect(report?.nodes[0]?.peers).toBe(1)
    },
    TIMEOUT,
  )

  test(
    'revoke on chain (--registry litesvm): burning the wallet’s token drops it through the subscription alone',
    async () => {
      // A ten-minute refresh interval: only the pushed change can revoke within this test's time.
      const args = ['--nodes', '3', '--duration', '2', '--rate', '10', '--topics', '2', '--intruders', '0']
      const run = await runCli([
        ...args,
        '--refresh-ms',
        '600000',
        '--scenario',
        'revoke',
        '--registry',
        'litesvm',
      ])
      expect(run.code, failed(run)).toBe(0)
      const report = run.report
      const after = report?.phases[1]
      expect(after?.excludedPublished).toBeGreaterThan(0)
      expect(after?.excludedDelivered).toBe(0)
      expect(after?.missing).toBe(0)
      expect(report?.scenarioOutcome.revoked).toBe('2')
      console.log(
        `[testnet litesvm] connections dropped ${report?.scenarioOutcome.connectionsDroppedAfterMs} ms after the burn`,
      )
    },
    TIMEOUT,
  )

  test(
    'Ctrl-C stops every node cleanly: summary printed, exit 130, no node left serving',
    async () => {
      const run = await runCli([...SHORT, '--duration', '30', '--intruders', '1'], {
        interruptWhen: /phase: steady \(publishing/,
      })
      expect(run.code, failed(run)).toBe(130)
      expect(run.stdout).toContain('testnet FAILED')
      expect(run.report?.checks.find((c) => c.name === 'completed')?.detail).toBe('interrupted (Ctrl-C)')
      const urls = (run.report?.nodes ?? []).map((n) => n.metricsUrl)
      expect(urls).toHaveLength(3)
      for (const url of urls) {
        await expect(fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow()
      }
    },
    TIMEOUT,
  )
})
