import type { Connection } from '@libp2p/interface'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { newestOpen } from '../src/history-client.js'
import {
  decodeHistoryRequest,
  ENTRY_OVERHEAD_BYTES,
  HistoryStore,
  validateMessagingOptions,
  verifyHistoryEntry,
} from '../src/index.js'

const bytes = (n: number): Uint8Array => new Uint8Array(n)

function storeWith(limits: Partial<{ maxEvents: number; maxBytes: number; maxAgeMs: number }> = {}) {
  let now = 1_000_000
  const store = new HistoryStore(
    { maxEvents: 100, maxBytes: 1 << 20, maxAgeMs: 60_000, ...limits },
    () => now,
  )
  const add = (topic: string, id: string, size = 10) =>
    store.record({
      topic,
      id,
      timestamp: Math.floor(now / 1000),
      frame: bytes(size + 130),
      unsigned: undefined,
      dataBytes: size,
    })
  const tick = (ms: number): void => {
    now += ms
  }
  return { store, add, tick, now: () => now }
}

describe('HistoryStore', () => {
  it('keeps at most maxEvents across topics, dropping the oldest first', () => {
    const { store, add } = storeWith({ maxEvents: 3 })
    add('a', '1')
    add('b', '2')
    add('a', '3')
    add('b', '4')
    expect(store.size).toBe(3)
    expect(store.has('a', '1')).toBe(false)
    expect(store.has('b', '2')).toBe(true)
    expect(store.page('a', { sinceMs: 0, limit: 10 }).entries.map((e) => e.id)).toEqual(['3'])
  })

  it('keeps at most maxBytes, counting the data and a fixed overhead', () => {
    const { store, add } = storeWith({ maxBytes: 3 * (100 + ENTRY_OVERHEAD_BYTES) })
    for (let i = 0; i < 5; i++) add('a', String(i), 100)
    expect(store.size).toBe(3)
    expect(store.bytes).toBe(3 * (100 + ENTRY_OVERHEAD_BYTES))
    // An event larger than the whole budget is not kept (and evicts nothing).
    expect(add('a', 'huge', 4 * 100)).toBeDefined()
    expect(add('a', 'too-big', 1 << 20)).toBeUndefined()
  })

  it('drops events older than maxAgeMs', () => {
    const { store, add, tick } = storeWith({ maxAgeMs: 1_000 })
    add('a', 'old')
    tick(600)
    add('a', 'new')
    tick(600)
    expect(store.page('a', { sinceMs: 0, limit: 10 }).entries.map((e) => e.id)).toEqual(['new'])
    expect(store.size).toBe(1)
  })

  it('pages by time and cursor, oldest first, and looks up by id', () => {
    const { store, add, tick, now } = storeWith()
    for (let i = 0; i < 5; i++) {
      add('a', `e${i}`)
      tick(100)
    }
    const since = now() - 300
    const first = store.page('a', { sinceMs: since, limit: 2 })
    expect(first.entries.map((e) => e.id)).toEqual(['e2', 'e3'])
    const next = store.page('a', { sinceMs: since, limit: 2, after: first.next })
    expect(next.entries.map((e) => e.id)).toEqual(['e4'])
    expect(next.next).toBeUndefined()
    expect(store.byIds('a', ['e4', 'e0', 'nope']).map((e) => e.id)).toEqual(['e0', 'e4'])
    expect(store.page('other', { sinceMs: 0, limit: 5 }).entries).toEqual([])
  })

  it('ignores a second copy of an id on the same topic, and forgets a dropped topic', () => {
    const { store, add } = storeWith()
    expect(add('a', 'x')).toBeDefined()
    expect(add('a', 'x')).toBeUndefined()
    expect(add('b', 'x')).toBeDefined()
    store.dropTopic('a')
    expect(store.size).toBe(1)
    expect(store.has('a', 'x')).toBe(false)
    expect(store.bytes).toBe(10 + ENTRY_OVERHEAD_BYTES)
  })

  it('keeps nothing with maxEvents 0', () => {
    const { store, add } = storeWith({ maxEvents: 0 })
    expect(add('a', 'x')).toBeUndefined()
    expect(store.size).toBe(0)
  })
})

describe('history wire', () => {
  it('decodes a valid request and refuses junk without throwing', () => {
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))
    expect(decodeHistoryRequest(enc({ database: 'd', topic: 't', sinceMs: 5, limit: 10 }))).toEqual({
      database: 'd',
      topic: 't',
      sinceMs: 5,
      limit: 10,
    })
    for (const junk of [
      null,
      [],
      'x',
      { database: 'd', topic: 't', sinceMs: -1, limit: 1 },
      { database: 'd', topic: 't', sinceMs: 1, limit: 1.5 },
      { database: 'd', topic: 't', sinceMs: 1, limit: 1, ids: ['ok', 7] },
      { database: 'd', topic: 't', sinceMs: 1, limit: 1, ids: Array(2001).fill('i') },
      { database: 'd', topic: 't', sinceMs: 1, limit: 1, ids: ['x'.repeat(129)] },
      { database: 1, topic: 't', sinceMs: 1, limit: 1 },
    ]) {
      expect(decodeHistoryRequest(enc(junk))).toBeUndefined()
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (data) => {
        decodeHistoryRequest(data)
      }),
      { numRuns: 500 },
    )
  })

  it('rejects any frame of random bytes without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (frame) => {
        const verdict = await verifyHistoryEntry(frame, 'db_t', 1 << 20)
        expect(verdict.ok).toBe(false)
      }),
      { numRuns: 300 },
    )
  })
})

describe('history options', () => {
  it('names every bad field', () => {
    const issues = validateMessagingOptions({
      history: { maxEvents: -1, maxBytes: 0, catchUp: 'yes', syncIntervalMs: 1.5, bogus: true },
    } as never)
    expect(issues.map((i) => i.field).sort()).toEqual([
      'history.bogus',
      'history.catchUp',
      'history.maxBytes',
      'history.maxEvents',
      'history.syncIntervalMs',
    ])
    expect(validateMessagingOptions({ history: { maxEvents: 0, syncIntervalMs: 0 } })).toEqual([])
    expect(validateMessagingOptions({ history: null } as never).map((i) => i.field)).toEqual(['history'])
  })
})

describe('which connection a history request uses', () => {
  const conn = (status: string, open: number) => ({ status, timeline: { open } }) as unknown as Connection

  it("takes a peer's most recently opened open connection (a crashed peer's old one lingers)", () => {
    const old = conn('open', 1_000)
    const fresh = conn('open', 5_000)
    const closing = conn('closing', 9_000)
    expect(newestOpen([old, fresh, closing])).toBe(fresh)
    expect(newestOpen([fresh, old])).toBe(fresh)
    expect(newestOpen([closing])).toBeUndefined()
    expect(newestOpen([])).toBeUndefined()
  })
})
