import { type AsyncLocalStorage, createHook } from 'node:async_hooks'

/** Live timers by where they were created, from {@link startTimerCensus}. */
export interface TimerCensus {
  /**
   * Live referenced timers (those that keep the process alive, as `getActiveResourcesInfo()`
   * counts them) by creation site: `site`, or `owner: site` when created inside `owner.run(name)`.
   */
  sites(): Record<string, number>
  stop(): void
}

/** A site as {@link TimerCensus.sites} names it when `owner.run(name)` created its timers. */
const ownedSite = (name: string, site: string): string => `${name}: ${site}`

/** Whether a site of {@link TimerCensus.sites} was created inside `owner.run(name)`. */
export function ownedBy(name: string): (site: string) => boolean {
  const prefix = ownedSite(name, '')
  return (site) => site.startsWith(prefix)
}

/** The timers of the sites `keep` selects (all of them without it). */
export function sumSites(
  sites: Record<string, number>,
  keep: (site: string) => boolean = () => true,
): number {
  let n = 0
  for (const [site, count] of Object.entries(sites)) if (keep(site)) n += count
  return n
}

interface TimerLike {
  hasRef?: () => boolean
}

// Frames of the timer functions themselves and of the hook: not where a timer comes from.
const SKIP = /node:|async_hooks|\/timer-census\.[jt]s:/

/**
 * `at fn (/path/node_modules/.pnpm/x@1/node_modules/@scope/pkg/dist/a.js:10:5)` → `fn @scope/pkg/dist/a.js:10`;
 * `at fn (/clone/packages/x/src/a.ts:3:1)` → `fn packages/x/src/a.ts:3`.
 */
function frameName(line: string): string {
  const match = /at (?:async )?(.*?) ?\(?([^()\s]+?):(\d+):\d+\)?$/.exec(line.trim())
  if (match === null) return line.trim()
  const [, fn, file = '', lineNo] = match
  // A dependency by its package path, a workspace file from its package folder (wherever the clone is).
  const short = file.includes('/node_modules/')
    ? file.replace(/^.*\/node_modules\//, '')
    : file.replace(/^(?:file:\/\/)?.*\/(?=(?:packages|tooling|apps)\/)/, '')
  return `${fn === '' ? '<anonymous>' : fn} ${short}:${lineNo}`
}

/**
 * Starts counting the timers (`setTimeout`, `setInterval`) created from now on, by the two frames
 * that created them and, with `owner`, by whose work created them: the async context carries the
 * name given to `owner.run(name, fn)` into everything `fn` starts (a node started inside it: its
 * sockets' callbacks, its timers' callbacks, its promises). Timers of work in flight come and go by
 * several a site; a node that was stopped should own none. A timer that fired or was cleared leaves
 * the count when Node runs its destroy hooks, a turn later. Costs a stack trace per timer: for tests.
 *
 * @example
 * const census = startTimerCensus()
 * // ... run something ...
 * console.log(census.sites()) // { 'schedule packages/infrastructure/src/rendezvous.ts:78 < ...': 5 }
 * census.stop()
 */
export function startTimerCensus(owner?: AsyncLocalStorage<string>): TimerCensus {
  const live = new Map<number, { timer: TimerLike; site: string }>()
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (type !== 'Timeout') return
      const frames = (new Error().stack ?? '').split('\n').slice(1)
      const site = frames
        .filter((f) => !SKIP.test(f))
        .slice(0, 2)
        .map(frameName)
        .join(' < ')
      const name = owner?.getStore()
      live.set(asyncId, {
        timer: resource as TimerLike,
        site: name === undefined ? site : ownedSite(name, site),
      })
    },
    destroy(asyncId) {
      live.delete(asyncId)
    },
  })
  hook.enable()
  return {
    sites() {
      const counts: Record<string, number> = {}
      for (const { timer, site } of live.values()) {
        if (timer.hasRef?.() === false) continue
        counts[site] = (counts[site] ?? 0) + 1
      }
      return counts
    },
    stop() {
      hook.disable()
      live.clear()
    },
  }
}
