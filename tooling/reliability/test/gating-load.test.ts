import { createInMemoryRegistry, waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createLoopbackNetwork, type LoopbackNetwork } from '../src/network.js'
import { createTraffic, type Traffic } from '../src/traffic.js'
import { createIntruder, type Intruder, watchForIntruders } from './intruder.js'

// 200 nodes with fresh keys (no registry knows them) dial 5 members at once, each from its own
// loopback address (so libp2p's per-IP inbound rate limit does not hide the gater), over TCP,
// while the members exchange an event every 20 ms. Refresh is slow (60 s), so every registry
// call in the window comes from cache misses.
const SIZE = 5
const INTRUDERS = 200
const TOPIC = 'gating'

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

describe('gating under load', () => {
  it(`${INTRUDERS} concurrent dials from unknown keys: none admitted, delivery unaffected, few registry calls`, {
    timeout: 90_000,
  }, async () => {
    const registry = createInMemoryRegistry()
    const network = createLoopbackNetwork({
      size: SIZE,
      databaseName: 'gating',
      seeds: 2,
      getAuthorizedWallets: registry.getAuthorizedWallets,
      config: { refreshIntervalMs: 60_000 },
    })
    net = network
    registry.set(network.wallets)
    for (let i = 0; i < SIZE; i++) await network.start(i)
    const dbs = network.running()
    traffic = createTraffic(dbs, TOPIC, 20)
    await traffic.subscribeAll()
    await waitFor(() => dbs.every((db) => db.topicPeers(TOPIC).length === SIZE - 1), {
      timeoutMs: 20_000,
      message: 'every node subscribed to every other',
    })
    for (let i = 0; i < INTRUDERS; i++) {
      intruders.push(await createIntruder(`127.0.3.${i + 1}`, ['tcp']))
    }
    const watch = watchForIntruders(dbs)
    for (const intruder of intruders) watch.add(intruder)

    traffic.start()
    traffic.phase('before')
    await waitFor(() => traffic !== undefined && traffic.published >= 25, {
      message: 'traffic before the flood',
    })
    traffic.phase('flood')
    const callsBefore = registry.calls
    const deniedBefore = dbs.map((db) => db.metrics().gater)
    const started = performance.now()
    await Promise.all(intruders.map((intruder, i) => intruder.dial(dbs[i % SIZE] ?? dbs[0]!)))
    const floodMs = Math.round(performance.now() - started)
    const registryCalls = registry.calls - callsBefore
    const missCalls = dbs.map(
      (db, i) => db.metrics().gater.registryCalls.miss - (deniedBefore[i]?.registryCalls.miss ?? 0),
    )
    const stillOpen = await Promise.all(intruders.map((intruder) => intruder.openConnections()))
    traffic.phase('after')
    await waitFor(() => traffic !== undefined && traffic.figures('after').published >= 25, {
      message: 'traffic after the flood',
    })
    await traffic.stop()
    await waitFor(() => traffic?.allDelivered(), { timeoutMs: 5_000 }).catch(() => undefined)
    watch.stop()

    const gater = dbs.map((db) => db.metrics().gater)
    const denied = gater.reduce((n, m, i) => {
      const before = deniedBefore[i]
      return n + m.missesRateLimited - (before?.missesRateLimited ?? 0)
    }, 0)
    const report = {
      intruders: INTRUDERS,
      floodMs,
      admitted: watch.admitted().length + stillOpen.reduce((n, open) => n + open, 0),
      registryCalls,
      missCallsPerGater: missCalls,
      missesRateLimited: denied,
      delivery: {
        before: traffic.figures('before'),
        flood: traffic.figures('flood'),
        after: traffic.figures('after'),
      },
    }
    console.log(`[reliability] gating-under-load ${JSON.stringify(report)}`)

    expect(report.admitted).toBe(0)
    expect(registryCalls).toBeLessThanOrEqual(10)
    expect(report.delivery.flood.published).toBeGreaterThan(0)
    expect(report.delivery.flood.ratio).toBe(report.delivery.before.ratio)
    expect(dbs.every((db) => db.isReady())).toBe(true)
  })
})
