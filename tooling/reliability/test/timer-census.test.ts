import { AsyncLocalStorage } from 'node:async_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { ownedBy, startTimerCensus, sumSites, type TimerCensus } from '../src/timer-census.js'

function armOne(): NodeJS.Timeout {
  return setTimeout(() => undefined, 60_000)
}

describe('startTimerCensus', () => {
  let census: TimerCensus | undefined
  const timers: NodeJS.Timeout[] = []
  afterEach(() => {
    for (const t of timers.splice(0)) clearTimeout(t)
    census?.stop()
  })

  it('counts live referenced timers by creation site, and by owner inside owner.run', async () => {
    const owner = new AsyncLocalStorage<string>()
    census = startTimerCensus(owner)
    timers.push(armOne(), armOne())
    // Inside the scope, also through a promise continuation, as a node's later work is.
    await owner.run('churner', async () => {
      await Promise.resolve()
      timers.push(armOne())
    })
    timers.push(setInterval(() => undefined, 60_000).unref()) // unreferenced: not counted
    const sites = census.sites()
    const mine = Object.entries(sites).filter(([site]) => site.includes('timer-census.test.ts'))
    expect(mine.map(([site, count]) => [site.replace(/:\d+/g, ':N').split(' < ')[0], count])).toEqual([
      ['armOne tooling/reliability/test/timer-census.test.ts:N', 2],
      ['churner: armOne tooling/reliability/test/timer-census.test.ts:N', 1],
    ])
  })

  it('forgets a timer once cleared or fired', async () => {
    const owner = new AsyncLocalStorage<string>()
    census = startTimerCensus(owner)
    const cleared = owner.run('t', armOne)
    await owner.run('t', () => new Promise((resolve) => setTimeout(resolve, 1)))
    await new Promise((resolve) => setImmediate(resolve)) // destroy hooks run a turn later
    expect(sumSites(census.sites(), ownedBy('t')), JSON.stringify(census.sites())).toBe(1)
    clearTimeout(cleared)
    await new Promise((resolve) => setImmediate(resolve))
    expect(sumSites(census.sites(), ownedBy('t'))).toBe(0)
  })
})
