import { generateWallets, waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import type { PubSubEvent } from '../src/index.js'
import {
  bootstrapEntryOf,
  createDatabaseTracker,
  createInMemoryRegistry,
  testConfig,
} from './fixtures/network.js'

const dbs = createDatabaseTracker()
afterEach(() => dbs.disconnectAll())

describe('catch-up through connect()', () => {
  it('a subscriber revoked at its only peer, 20 events published, then re-admitted: all 20 arrive, in order, replayed, once', {
    timeout: 60_000,
  }, async () => {
    const [p, s] = generateWallets(2)
    // Each node reads its own copy of the registry, so the publisher alone can revoke the subscriber.
    const atPublisher = createInMemoryRegistry([p!.wallet, s!.wallet])
    const atSubscriber = createInMemoryRegistry([p!.wallet, s!.wallet])
    const publisher = await dbs.connect(
      testConfig(p!, 'catchup', atPublisher, [], { refreshIntervalMs: 200 }),
    )
    const subscriber = await dbs.connect(
      testConfig(s!, 'catchup', atSubscriber, [bootstrapEntryOf(publisher, p!.wallet)]),
    )
    const got: PubSubEvent[] = []
    await subscriber.subscribe('billing', (event) => {
      got.push(event)
    })
    await publisher.waitForTopicPeers('billing', { timeoutMs: 10_000 })
    await publisher.publish('billing', { n: -1 })
    await waitFor(() => got.length === 1, { message: 'the live event' })

    atPublisher.remove(s!.wallet)
    await waitFor(() => publisher.peers().length === 0 && !subscriber.isReady(), {
      timeoutMs: 10_000,
      message: 'the subscriber disconnected by revocation',
    })
    for (let n = 0; n < 20; n++) await publisher.publish('billing', { n })
    expect(got).toHaveLength(1)

    atPublisher.add(s!.wallet)
    await waitFor(() => got.length >= 21, { timeoutMs: 20_000, message: 'the 20 missed events' })
    const replayed = got.slice(1)
    expect(replayed.map((e) => (e.message as { n: number }).n)).toEqual([...Array(20).keys()])
    expect(replayed.every((e) => e.replayed === true)).toBe(true)
    expect(new Set(got.map((e) => e.id)).size).toBe(got.length)
    const history = subscriber.metrics().messaging.history
    expect(history.recovered).toBe(20)
    expect(history.rejectedTotal).toBe(0)

    // The link is back to live delivery: the next event arrives once, not replayed.
    await publisher.waitForTopicPeers('billing', { timeoutMs: 10_000 })
    await publisher.publish('billing', { n: 20 })
    await waitFor(() => got.length === 22, { message: 'the next live event' })
    expect(got.at(-1)?.replayed).toBeUndefined()
    expect(got).toHaveLength(22)
  })

  it('db.history answers on demand, and bad history options are refused by name', async () => {
    const [p, s] = generateWallets(2)
    const registry = createInMemoryRegistry([p!.wallet, s!.wallet])
    const publisher = await dbs.connect(testConfig(p!, 'catchup', registry))
    const since = Date.now() - 1_000
    await publisher.subscribe('rooms', () => {})
    for (let n = 0; n < 3; n++) await publisher.publish('rooms', { n })
    const subscriber = await dbs.connect(
      testConfig(s!, 'catchup', registry, [bootstrapEntryOf(publisher, p!.wallet)]),
    )
    await subscriber.subscribe('rooms', () => {})
    await subscriber.waitForTopicPeers('rooms', { timeoutMs: 10_000 })
    const events = await subscriber.history('rooms', { sinceMs: since })
    expect(events.map((e) => (e.message as { n: number }).n)).toEqual([0, 1, 2])
    expect(events.every((e) => e.fromPeerId === publisher.peerId)).toBe(true)

    await expect(
      dbs.connect(
        testConfig(s!, 'other', registry, [], {
          history: { maxEvents: -1, catchUp: 'yes', bogus: 1 } as never,
        }),
      ),
    ).rejects.toThrow(/history\.maxEvents.*history\.catchUp|history\.bogus/s)
  })
})
