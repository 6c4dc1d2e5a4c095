import type { Database } from '@depin/pubsub'
import { createInMemoryRegistry, waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createLoopbackNetwork, type LoopbackNetwork } from '../src/network.js'
import { createTraffic, type DeliveryFigures, type Traffic } from '../src/traffic.js'
import { createIntruder, type Intruder, watchForIntruders } from './intruder.js'

// While 5 nodes exchange events (one every 50 ms), the shared registry throws, hangs, answers in
// 5 s, and answers 1M junk entries (followed by the real wallets, as a registry polluted by bad
// records would). The gaters refresh every 300 ms, so every fault is hit many times. Per fault:
// no authorized connection is dropped, no intruder is admitted, events keep flowing.
const SIZE = 5
const TOPIC = 'faults'
const JUNK_ENTRIES = 1_000_000

let net: LoopbackNetwork | undefined
let traffic: Traffic | undefined
const intruders: Intruder[] = []

afterEach(async () => {
  await traffic?.stop()
  await Promise.allSettled(intruders.splice(0).map((i) => i.stop()))
  await net?.stopAll()
  net = undefined
  traffic = undefined
})

/** Every pair of members whose connection has been seen, and how many of them were lost later. */
function watchConnections(dbs: readonly Database[]): { dropped(): string[]; stop(): void } {
  const seen = new Map<Database, Set<string>>(dbs.map((db) => [db, new Set(db.peers())]))
  const dropped = new Set<string>()
  const members = new Set(dbs.map((db) => db.peerId))
  const poll = setInterval(() => {
    for (const db of dbs) {
      const now = new Set(db.peers())
      const before = seen.get(db) ?? new Set<string>()
      for (const peer of before) if (members.has(peer) && !now.has(peer)) dropped.add(`${db.peerId}->${peer}`)
      seen.set(db, new Set([...before, ...now]))
    }
  }, 25)
  return { dropped: () => [...dropped], stop: () => clearInterval(poll) }
}

describe('registry faults under load', () => {
  it('keeps authorized connections, admits no intruder and keeps delivering through every fault', {
    timeout: 90_000,
  }, async () => {
    const registry = createInMemoryRegistry()
    const network = createLoopbackNetwork({
      size: SIZE,
      databaseName: 'faults',
      seeds: 2,
      getAuthorizedWallets: registry.getAuthorizedWallets,
      config: { refreshIntervalMs: 300 },
    })
    net = network
    registry.set(network.wallets)
    for (let i = 0; i < SIZE; i++) await network.start(i)
    const dbs = network.running()
    traffic = createTraffic(dbs, TOPIC)
    await traffic.subscribeAll()
    await waitFor(() => dbs.every((db) => db.topicPeers(TOPIC).length === SIZE - 1), {
      timeoutMs: 20_000,
      message: 'every node subscribed to every other',
    })
    const watch = watchConnections(dbs)
    const intruderWatch = watchForIntruders(dbs)
    traffic.start()

    const junk = Array.from({ length: JUNK_ENTRIES }, (_, i) =>
      i % 3 === 0 ? `junk-${i}` : i % 3 === 1 ? '' : 'O0Il',
    )
    const outcomes: Record<string, DeliveryFigures & { intrudersAdmitted: number; registryCalls: number }> =
      {}
    const junkOutcome = { applied: 0, timedOut: 0 }
    let source = 0
    const phase = async (label: string, run: () => Promise<void>): Promise<void> => {
      traffic?.phase(label)
      const callsBefore = registry.calls
      const intruder = await createIntruder(`127.0.2.${++source}`)
      intruders.push(intruder)
      intruderWatch.add(intruder)
      const admittedBefore = intruderWatch.admitted().length
      let connected = 0
      for (const db of dbs) connected += await intruder.attack(db)
      await run()
      outcomes[label] = {
        ...(traffic?.figures(label) as DeliveryFigures),
        intrudersAdmitted: connected + intruderWatch.admitted().length - admittedBefore,
        registryCalls: registry.calls - callsBefore,
      }
    }
    const refreshesFailed = (): number => dbs.reduce((n, db) => n + db.metrics().gater.refreshes.failed, 0)

    await phase('baseline', async () => {
      await waitFor(() => traffic !== undefined && traffic.published >= 20, { message: 'baseline traffic' })
    })
    await phase('throws', async () => {
      registry.throw()
      const failed = refreshesFailed()
      await waitFor(() => refreshesFailed() >= failed + 2 * SIZE, { message: 'refreshes failing (throw)' })
      registry.answer()
    })
    await phase('hangs', async () => {
      registry.hang()
      await waitFor(() => registry.pending >= SIZE, { message: 'every gater waiting on a hung registry' })
      await waitFor(() => traffic !== undefined && traffic.figures('hangs').published >= 40, {
        message: 'traffic during the hang',
      })
      registry.answer()
      registry.release()
    })
    await phase('answers in 5 s', async () => {
      registry.delay(5_000)
      const okBefore = dbs.map((db) => db.metrics().gater.refreshes.ok)
      await waitFor(() => dbs.every((db, i) => db.metrics().gater.refreshes.ok > (okBefore[i] ?? 0)), {
        timeoutMs: 15_000,
        message: 'a slow answer reaching every gater',
      })
      registry.answer()
      registry.release()
    })
    await phase('1M junk entries', async () => {
      // Each gater either skips the junk and applies the wallets, or gives up on the answer at its
      // registryTimeoutMs (10 s) and keeps the last good set; both are outcomes we report.
      const before = dbs.map((db) => db.metrics().gater)
      registry.respondWith(() => [...junk, ...network.wallets])
      await waitFor(
        () =>
          dbs.every((db, i) => {
            const m = db.metrics().gater
            const b = before[i]
            return (
              b !== undefined && (m.junkEntries > b.junkEntries || m.refreshes.failed > b.refreshes.failed)
            )
          }),
        { timeoutMs: 30_000, message: 'every gater done with a junk answer' },
      )
      junkOutcome.applied = dbs.filter(
        (db, i) => db.metrics().gater.junkEntries > (before[i]?.junkEntries ?? 0),
      ).length
      junkOutcome.timedOut = dbs.filter(
        (db, i) => db.metrics().gater.registryFailures.timeout > (before[i]?.registryFailures.timeout ?? 0),
      ).length
      registry.answer()
      const okBefore = dbs.map((db) => db.metrics().gater.refreshes.ok)
      await waitFor(() => dbs.every((db, i) => db.metrics().gater.refreshes.ok > (okBefore[i] ?? 0)), {
        timeoutMs: 20_000,
        message: 'every gater refreshing again after the junk',
      })
    })
    await phase('recovered', async () => {
      await waitFor(() => traffic !== undefined && traffic.figures('recovered').published >= 20, {
        message: 'traffic after recovery',
      })
    })

    await traffic.stop()
    await waitFor(() => traffic?.allDelivered(), { timeoutMs: 5_000 }).catch(() => undefined)
    for (const label of Object.keys(outcomes)) {
      const figures = traffic.figures(label)
      const outcome = outcomes[label]
      if (outcome !== undefined) Object.assign(outcome, figures)
    }
    watch.stop()
    intruderWatch.stop()
    const metrics = dbs.map((db) => db.metrics().gater)
    const report = {
      connectionsDropped: watch.dropped().length,
      revocations: metrics.reduce((n, m) => n + m.revocations, 0),
      connectionsClosedByGater: metrics.reduce((n, m) => n + m.connectionsClosed, 0),
      intrudersAdmitted: intruderWatch.admitted().length,
      junkAnswer: junkOutcome,
      phases: outcomes,
    }
    console.log(`[reliability] registry-faults ${JSON.stringify(report)}`)

    expect(watch.dropped()).toEqual([])
    expect(report.revocations).toBe(0)
    expect(report.connectionsClosedByGater).toBe(0)
    expect(report.intrudersAdmitted).toBe(0)
    for (const [label, outcome] of Object.entries(outcomes)) {
      expect({ label, admitted: outcome.intrudersAdmitted }).toEqual({ label, admitted: 0 })
      expect({ label, delivered: outcome.delivered > 0 }).toEqual({ label, delivered: true })
    }
    expect(dbs.every((db) => db.isReady())).toBe(true)
  })
})
