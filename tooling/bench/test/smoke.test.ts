import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
// packages/gater's own bench, called in-process (its script would write to bench/results).
import { runGaterBench } from '../../../packages/gater/bench/gater-bench.js'
import { markdown } from '../src/format.js'
import { SECTIONS, SMOKE } from '../src/profiles.js'
import { runBench } from '../src/run.js'
import { type ScaleFigures, scaleChartPng } from '../src/scale-figures.js'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const isNumber = (v: unknown): boolean => typeof v === 'number' && !Number.isNaN(v)

// Every benchmark at a tiny size, so they cannot rot. Checks that figures are numbers, never a timing.
describe('bench smoke', () => {
  it('runs every benchmark at a tiny size and reports numbers', async () => {
    const lines: string[] = []
    const results = await runBench({
      profile: SMOKE,
      repoRoot,
      // The catch-up section has its own test (catch-up.test.ts), so the two can run side by side.
      sections: SECTIONS.filter((s) => s !== 'catch-up'),
      nats: true,
      installNats: false,
      gaterBench: async (wallets) =>
        ({ ...(await runGaterBench({ wallets, hitOps: 10_000, missOps: 100 })) }) as unknown as Record<
          string,
          number
        >,
      command: 'smoke test',
      log: (line) => lines.push(line),
    })
    // Without a Go toolchain the side-by-side with Go is skipped, saying so; everything else runs.
    const { 'vs-go': vsGoSkipped, ...skipped } = results.skipped
    expect(skipped).toEqual({})
    if (vsGoSkipped !== undefined) expect(vsGoSkipped).toMatch(/Go toolchain is not installed/)
    else {
      expect(results.vsGo?.trios.map((t) => t.trio)).toEqual(['go/go/go', 'ts/ts/ts', 'go/ts/go', 'ts/go/ts'])
      for (const trio of results.vsGo?.trios ?? []) {
        expect(trio.deliveredRatio.median, trio.trio).toBe(1)
        for (const figure of [
          'latencyP50Ms',
          'cpuPerDeliveryUs',
          'peakRssPerNodeMb',
          'spawnToFirstPeerMs',
        ] as const)
          expect(isNumber(trio[figure].median), `${trio.trio} ${figure}`).toBe(true)
      }
      expect(isNumber(results.vsGo?.ratios.cpuPerDelivery?.median)).toBe(true)
      expect(isNumber(results.vsGo?.idle.ts.median)).toBe(true)
    }

    const cell = results.pubsub?.[0]
    expect(results.pubsub).toHaveLength(2) // steady and burst
    for (const figure of ['p50Ms', 'p99Ms', 'maxMs', 'msgsPerSec', 'mbPerSec'] as const) {
      expect(isNumber(cell?.ours[figure].median), `ours ${figure}`).toBe(true)
      expect(isNumber(cell?.raw[figure].median), `raw ${figure}`).toBe(true)
    }
    expect(cell?.ours.deliveryRatio.median).toBe(1)
    expect(cell?.raw.deliveryRatio.median).toBe(1)
    expect(isNumber(cell?.ratioVsRaw.p50.median)).toBe(true)
    // NATS is a reference: either measured or skipped with a stated reason.
    if (results.nats?.status.startsWith('skipped')) expect(cell?.nats).toBeUndefined()
    else expect(isNumber(cell?.ratioVsNats?.msgsPerSec.median)).toBe(true)

    expect(isNumber(results.gater?.gaterBench.hitNsPerOp?.median)).toBe(true)
    expect(isNumber(results.gater?.gaterBench.refreshMaxBlockMs?.median)).toBe(true)
    expect(isNumber(results.gater?.registryCallsPer1000UnknownDialsBurst.median)).toBe(true)

    expect(isNumber(results.startup?.[0]?.oursStartToReadyMs.median)).toBe(true)
    expect(isNumber(results.startup?.[0]?.rawTimeToFirstPeerMs.median)).toBe(true)

    const row = results.scale?.rows[0]
    expect(row?.status).toBe('ran')
    expect(isNumber(row?.deliveredRatio)).toBe(true)
    expect(isNumber(row?.rssPerNodeMb)).toBe(true)
    expect(isNumber(row?.allReadyMs)).toBe(true)
    expect(isNumber(row?.meshMs)).toBe(true)
    // Each of the four nodes opened at least one connection (the bootstrap node's, or to it).
    expect(row?.connectionsOpened?.min).toBeGreaterThanOrEqual(1)
    expect(row?.processes).toBe(2) // four nodes, two per host process
    expect(
      scaleChartPng(results.scale as ScaleFigures)
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG')

    expect(isNumber(results.memory?.idle.rssMaxMb)).toBe(true)
    expect(results.memory?.busy.published).toBeGreaterThan(0)

    expect(results.goals.map((g) => g.status)).not.toContain(undefined)
    expect(markdown(results)).toContain('## Gater')
  })
})
