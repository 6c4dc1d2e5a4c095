import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CHURNER, runSoak, type SoakSample, soakChartPng, soakCsv } from '../src/soak.js'
import { ownedBy, sumSites } from '../src/timer-census.js'

// The CI form of `pnpm soak` (its own file, so vitest can run it beside the other files): a
// SOAK_MINUTES-minute run (default 2) sampled every minute must show no handle growth. A leak is one
// per churn cycle (a cycle every 5-15 s): 8 or more in two minutes.
// - Sockets by one or two: a sample can catch a connection still closing (once in CI: 10 non-timer
//   handles at the end against 9 at the start). A TCP dial in flight is a `ConnectWrap` and the socket
//   it connects: both are left out (a fresh clone's run at bfe86c1 caught two dials to the churning
//   member at the end, +4). A leaked socket has no `ConnectWrap` beside it.
// - Timers by creation site (src/timer-census.ts): the churning member's own timers, told apart by
//   the async context it starts in, must all be gone once it stopped (a stopped node's timer left
//   behind is the leak a churn finds); the steady members' timers are the work they have in flight
//   (rendezvous and DHT lookups with their timeouts, catch-up requests): 56-64 over minutes 1-2 of
//   three runs, so the end is held to the lowest earlier sample + 10, the first sample being higher
//   after the start's work (68-125). A CI run at 1e6b8d0 failed the earlier bound (first + 5): 57 → 64.
const MINUTES = Number(process.env.SOAK_MINUTES ?? 2)
const TIMER_JITTER = 10
const OTHER_JITTER = 2
const isTimer = (h: string): boolean => h === 'Timeout' || h === 'Immediate'
const sitesOf = (s: SoakSample): Record<string, number> => s.timerSites ?? {}
const listed = (sites: Record<string, number>, keep: (site: string) => boolean): string =>
  Object.entries(sites)
    .filter(([site]) => keep(site))
    .sort((a, b) => b[1] - a[1])
    .map(([site, count]) => `${count} ${site}`)
    .join('\n')

describe('soak', () => {
  it(`${MINUTES}-minute soak: no handle growth, events keep flowing, CSV and PNG written`, {
    timeout: MINUTES * 60_000 + 90_000,
  }, async () => {
    const samples: SoakSample[] = await runSoak({ minutes: MINUTES, timerSites: true })
    const dir = mkdtempSync(join(tmpdir(), 'depin-soak-'))
    writeFileSync(join(dir, 'soak.csv'), soakCsv(samples))
    writeFileSync(join(dir, 'soak.png'), soakChartPng(samples))
    console.log(
      `[reliability] soak ${JSON.stringify(samples.map(({ resources: _, timerSites: __, ...figures }) => figures))} (${dir})`,
    )

    expect(samples.length).toBe(MINUTES + 1)
    const first = samples[0]
    const last = samples.at(-1)
    if (first === undefined || last === undefined) throw new Error('no samples')
    const nonTimers = (s: SoakSample): string[] => s.resources.filter((h) => !isTimer(h))
    const dialing = (s: SoakSample): number => s.resources.filter((h) => h === 'ConnectWrap').length
    // Not counted: each dial in flight (its ConnectWrap and the TCPSocketWrap it connects).
    const others = (s: SoakSample): number => nonTimers(s).length - 2 * dialing(s)
    const timers = (s: SoakSample): number => s.resources.length - nonTimers(s).length
    const kinds = (s: SoakSample): string => {
      const counts: Record<string, number> = {}
      for (const h of nonTimers(s)) counts[h] = (counts[h] ?? 0) + 1
      return JSON.stringify(counts)
    }
    expect(
      others(last),
      `non-timer handles at the start ${kinds(first)}, at the end ${kinds(last)}`,
    ).toBeLessThanOrEqual(others(first) + OTHER_JITTER)
    const churners = ownedBy(CHURNER)
    const steady = (site: string): boolean => !churners(site)
    for (const s of samples) {
      // The census saw the timers getActiveResourcesInfo() counts, and the churner's while it ran.
      expect(timers(s) - sumSites(sitesOf(s))).toBeLessThanOrEqual(OTHER_JITTER)
      expect(s.churnerTimersUp, 'the churning member had timers of its own while up').toBeGreaterThan(0)
      expect(
        sumSites(sitesOf(s), churners),
        `timers the stopped churning member left at minute ${s.minute}:\n${listed(sitesOf(s), churners)}`,
      ).toBeLessThanOrEqual(OTHER_JITTER)
    }
    const lowest = samples
      .slice(0, -1)
      .reduce((a, b) => (sumSites(sitesOf(b), steady) < sumSites(sitesOf(a), steady) ? b : a))
    expect(
      sumSites(sitesOf(last), steady),
      `steady members' timers at minute ${lowest.minute}:\n${listed(sitesOf(lowest), steady)}\nat the end:\n${listed(sitesOf(last), steady)}`,
    ).toBeLessThanOrEqual(sumSites(sitesOf(lowest), steady) + TIMER_JITTER)
    for (let i = 1; i < samples.length; i++) {
      expect(samples[i]?.delivered).toBeGreaterThan(samples[i - 1]?.delivered ?? 0)
      expect(samples[i]?.peers).toBeGreaterThan(0)
    }
    expect(readFileSync(join(dir, 'soak.png')).subarray(1, 4).toString()).toBe('PNG')
    expect(readFileSync(join(dir, 'soak.csv'), 'utf8').split('\n')[0]).toBe(
      'minute,rss_mb,heap_used_mb,handles,peers,published,delivered',
    )
  })
})
