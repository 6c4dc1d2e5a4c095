import { generateWallets, waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  bootstrapEntryOf,
  createDatabaseTracker,
  createInMemoryRegistry,
  testConfig,
} from './fixtures/network.js'

const dbs = createDatabaseTracker()
afterEach(() => dbs.disconnectAll())

async function pair(senderExtra = {}, receiverExtra = {}) {
  const [a, b] = generateWallets(2)
  const registry = createInMemoryRegistry([a!.wallet, b!.wallet])
  const receiver = await dbs.connect(testConfig(a!, 'delivery', registry, [], receiverExtra))
  const sender = await dbs.connect(
    testConfig(b!, 'delivery', registry, [bootstrapEntryOf(receiver, a!.wallet)], senderExtra),
  )
  return { receiver, sender }
}

describe('delivery through connect()', () => {
  it('enforces the size cap per message: an oversized event is rejected, the next one still arrives', async () => {
    // The sender allows itself 4 MiB; the receiver keeps the 1 MiB default.
    const { receiver, sender } = await pair({ maxMessageBytes: 4 * 1024 * 1024 })
    const received: unknown[] = []
    await receiver.subscribe('big', (event) => {
      received.push(event.message)
    })
    await sender.waitForTopicPeers('big', { timeoutMs: 10_000 })
    await sender.publish('big', 'x'.repeat(2 * 1024 * 1024))
    await sender.publish('big', 'small')
    await waitFor(() => received.length === 1, { message: 'the small event' })
    expect(received).toEqual(['small'])
    expect(receiver.metrics().messaging.rejected['too-large']).toBe(1)
  })

  it('does not deliver own events by default, and does with deliverOwnEvents', async () => {
    const { receiver, sender } = await pair({}, { deliverOwnEvents: true })
    const ownAtReceiver: unknown[] = []
    const plainAtSender: unknown[] = []
    const ownAtSender: unknown[] = []
    await receiver.subscribe('echo', (event) => {
      ownAtReceiver.push(event.message)
    })
    await sender.subscribe('echo', (event) => {
      plainAtSender.push(event.message)
    })
    await sender.subscribe(
      'echo',
      (event) => {
        ownAtSender.push(event.message)
      },
      { deliverOwnEvents: true },
    )
    await sender.waitForTopicPeers('echo', { timeoutMs: 10_000 })
    await receiver.waitForTopicPeers('echo', { timeoutMs: 10_000 })
    await sender.publish('echo', 'from sender')
    await receiver.publish('echo', 'from receiver')
    await waitFor(
      () => plainAtSender.length === 1 && ownAtSender.length === 2 && ownAtReceiver.length === 2,
      {
        message: 'deliveries',
      },
    )
    expect(plainAtSender).toEqual(['from receiver'])
    expect(ownAtSender.sort()).toEqual(['from receiver', 'from sender'])
    // The receiver's database defaults to deliverOwnEvents: true.
    expect(ownAtReceiver.sort()).toEqual(['from receiver', 'from sender'])
  })

  it('keeps a subscription alive through a throwing handler and bounds a slow handler queue', async () => {
    const { receiver, sender } = await pair({}, { queueSize: 8 })
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow: unknown[] = []
    const survived: unknown[] = []
    let maxQueued = 0
    const handlerErrors: unknown[] = []
    receiver.addEventListener('handler:error', (evt) => handlerErrors.push(evt.detail.error))
    await receiver.subscribe('work', async (event) => {
      await gate
      slow.push(event.message)
    })
    await receiver.subscribe('work', (event) => {
      maxQueued = Math.max(maxQueued, receiver.metrics().messaging.queued)
      if (event.message === 0) throw new Error('handler bug')
      survived.push(event.message)
    })
    await sender.waitForTopicPeers('work', { timeoutMs: 10_000 })
    for (let n = 0; n < 50; n++) await sender.publish('work', n)
    await waitFor(() => survived.length === 49, { message: '49 events past the throwing one' })
    expect(maxQueued).toBeLessThanOrEqual(8)
    const m = receiver.metrics().messaging
    expect(m.handlerErrors).toBe(1)
    expect(handlerErrors).toHaveLength(1)
    expect(m.dropped).toBe(50 - 1 - 8)
    release()
    await waitFor(() => slow.length === 9, { message: 'the slow handler to drain' })
    await sender.publish('work', 'after')
    await waitFor(() => slow.length === 10 && survived.length === 50, {
      message: 'both handlers still subscribed',
    })
  })

  it('unsubscribe() and leave() stop delivery', async () => {
    const { receiver, sender } = await pair()
    const first: unknown[] = []
    const second: unknown[] = []
    const sub = await receiver.subscribe('t', (event) => {
      first.push(event.message)
    })
    await receiver.subscribe('t', (event) => {
      second.push(event.message)
    })
    await sender.waitForTopicPeers('t', { timeoutMs: 10_000 })
    await sub.unsubscribe()
    await sender.publish('t', 1)
    await waitFor(() => second.length === 1, { message: 'the remaining handler' })
    expect(first).toEqual([])
    await receiver.leave('t')
    expect(receiver.metrics().messaging.topics).toBe(0)
    await waitFor(() => sender.topicPeers('t').length === 0, {
      message: 'the unsubscription to reach the sender',
    })
    await expect(sender.publish('t', 2, { throwOnNoPeers: true })).rejects.toMatchObject({ code: 'NO_PEERS' })
  })
})
