import { describe, expect, it } from 'vitest'
import { markdown } from '../src/format.js'
import { SMOKE } from '../src/profiles.js'
import { runBench } from '../src/run.js'

const isNumber = (v: unknown): boolean => typeof v === 'number' && !Number.isNaN(v)

// The catch-up section at a tiny size (2 s away at 50 events/s): the figures are numbers and every
// missed event arrived once, marked replayed. Never a timing.
describe('bench catch-up', () => {
  it('S away 2 s at 50 events/s: every missed event once, replayed; figures are numbers', async () => {
    const lines: string[] = []
    const results = await runBench({
      profile: SMOKE,
      repoRoot: '.',
      sections: ['catch-up'],
      nats: false,
      command: 'catch-up smoke test',
      log: (line) => lines.push(line),
    })
    expect(results.skipped).toEqual({})
    const c = results.catchUp
    expect(c?.runs.map((r) => r.scenario)).toEqual(['quiet', 'live', 'three-holders'])
    for (const run of c?.runs ?? []) {
      const s = run.subscriber
      expect(s.missed, run.scenario).toBe(100)
      expect(s.missedDelivered, run.scenario).toBe(s.missed)
      expect(s.missedExtraDeliveries, run.scenario).toBe(0)
      expect(s.missedNotReplayed, run.scenario).toBe(0)
      expect(s.unknownDeliveries, run.scenario).toBe(0)
      expect(s.history.recovered, run.scenario).toBeGreaterThanOrEqual(s.missed)
      expect(s.history.rejectedTotal, run.scenario).toBe(0)
      for (const figure of [
        s.connectMs,
        s.subscribeToFirstMs,
        s.subscribeToAllMs,
        s.catchUpCpuMs,
        s.peakRssMb,
      ])
        expect(isNumber(figure), run.scenario).toBe(true)
      for (const figure of [
        run.returnToAllMs,
        run.recoveredPerSecond,
        run.bytesReceivedPerEventByte,
        run.cpuPerEventUs,
        run.holdersCpuMs,
        run.eventBytes,
      ])
        expect(isNumber(figure), run.scenario).toBe(true)
      expect(s.history.bytesReceived, run.scenario).toBeGreaterThan(s.missed * run.eventBytes)
      expect(run.holdersBytesSent, run.scenario).toBeGreaterThan(0)
    }
    const live = c?.runs.find((r) => r.scenario === 'live')?.subscriber
    expect(live?.live).toBeGreaterThan(0)
    expect(live?.liveDelivered).toBe(live?.live)
    expect(live?.liveExtraDeliveries).toBe(0)
    expect(c?.runs.find((r) => r.scenario === 'three-holders')?.holdersHeld).toEqual([100, 100])

    expect(c?.receiver?.received).toBe(1_000)
    expect(c?.receiver?.historyEvents).toBeGreaterThanOrEqual(1_000)
    expect(isNumber(c?.receiver?.perEventBytes)).toBe(true)
    expect(c?.store?.kept).toBe(1_000)
    expect(isNumber(c?.store?.perEventBytes)).toBe(true)
    expect(isNumber(c?.store?.keptAtDefaults)).toBe(true)
    expect(c?.store?.perEventBytes).toBeGreaterThan(c?.store?.eventBytes ?? Infinity)

    expect(results.goals.find((g) => g.goal.startsWith('catch-up'))?.status).toBe('met')
    expect(markdown(results)).toContain('## Catch-up')
  })
})
