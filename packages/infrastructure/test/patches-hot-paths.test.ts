import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { generateWallet } from '@depin/test-utils'
import { resolveThrough } from '@depin/tsup-config'
import { peerIdFromString } from '@libp2p/peer-id'
import { Queue } from '@libp2p/utils'
import { describe, expect, test } from 'vitest'

// patches/race-event@1.6.1.patch, race-signal@1.1.3.patch and @libp2p__utils@7.4.1.patch: no
// AbortError (a captured stack trace) is built on calls that end without an abort. In a 100-node
// in-process network those errors were 4.7% of all CPU: @libp2p/utils' job queue rejected every
// finished job's recipients again (a no-op) with a new AbortError, race-event built one for every
// call even without a signal to abort on (it-queue's onIdle(), run by mortice, the peer store's
// lock, on every read lock), race-signal 1 (the QUIC transport's) for every race. What callers see
// must not change: an abort still rejects with an AbortError carrying the given message and code.

/** The entry of a package reached through a chain of dependencies (pnpm's layout, see resolveThrough). */
async function importThrough<T>(chain: string[], entry: string): Promise<T> {
  const dir = resolveThrough(dirname(fileURLToPath(import.meta.url)), chain)
  if (dir === undefined) throw new Error(`not found: ${chain.join(' -> ')}`)
  return (await import(pathToFileURL(join(dir, entry)).href)) as T
}

type RaceSignal = (
  promise: Promise<unknown>,
  signal?: AbortSignal,
  opts?: { errorMessage?: string; errorCode?: string },
) => Promise<unknown>
type RaceEvent = (
  emitter: EventTarget,
  event: string,
  signal?: AbortSignal,
  opts?: { errorMessage?: string; errorCode?: string },
) => Promise<unknown>

describe('race-signal 1 (the QUIC transport): the AbortError is built when the signal aborts', () => {
  const load = async (): Promise<RaceSignal> =>
    (
      await importThrough<{ raceSignal: RaceSignal }>(
        ['@chainsafe/libp2p-quic', 'race-signal'],
        'dist/src/index.js',
      )
    ).raceSignal

  test('a race the promise wins resolves with its value; an abort rejects with the given message and code', async () => {
    const raceSignal = await load()
    expect(await raceSignal(Promise.resolve(7), new AbortController().signal)).toBe(7)
    const controller = new AbortController()
    const raced = raceSignal(new Promise(() => {}), controller.signal, {
      errorMessage: 'gone',
      errorCode: 'E_GONE',
    })
    controller.abort()
    await expect(raced).rejects.toMatchObject({ name: 'AbortError', message: 'gone', code: 'E_GONE' })
  })

  test("the error's stack is the abort's, not the call's (built on abort, not up front)", async () => {
    const raceSignal = await load()
    const controller = new AbortController()
    const callerOfTheRace = (): Promise<unknown> => raceSignal(new Promise(() => {}), controller.signal)
    const raced = callerOfTheRace()
    const abortingCaller = (): void => controller.abort()
    abortingCaller()
    const err = (await raced.catch((e: unknown) => e)) as Error
    expect(err.stack).toContain('abortingCaller')
    expect(err.stack).not.toContain('callerOfTheRace')
  })
})

describe('race-event (it-queue, mortice): an AbortError only when there is a signal', () => {
  const load = async (): Promise<RaceEvent> =>
    (
      await importThrough<{ raceEvent: RaceEvent }>(
        ['libp2p', '@libp2p/peer-store', 'mortice', 'it-queue', 'race-event'],
        'dist/src/index.js',
      )
    ).raceEvent

  test('without a signal it resolves on the event and rejects on the error event', async () => {
    const raceEvent = await load()
    const target = new EventTarget()
    const fired = raceEvent(target, 'done')
    target.dispatchEvent(new CustomEvent('done', { detail: 1 }))
    expect(((await fired) as CustomEvent).detail).toBe(1)
    const failed = raceEvent(target, 'done')
    target.dispatchEvent(new CustomEvent('error', { detail: new Error('broken') }))
    await expect(failed).rejects.toThrow('broken')
  })

  test('with a signal, an abort (before or during) rejects with the given message and code', async () => {
    const raceEvent = await load()
    const target = new EventTarget()
    const controller = new AbortController()
    const raced = raceEvent(target, 'done', controller.signal, { errorMessage: 'late', errorCode: 'E_LATE' })
    controller.abort()
    await expect(raced).rejects.toMatchObject({ name: 'AbortError', message: 'late', code: 'E_LATE' })
    await expect(raceEvent(target, 'done', AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe("@libp2p/utils' job queue: a finished job is not rejected again", () => {
  test('every recipient of a job gets its result or its error; an aborted recipient its abort', async () => {
    const queue = new Queue<number>({ concurrency: 1 })
    let release = (): void => {}
    const blocker = queue.add(() => new Promise<number>((resolve) => (release = () => resolve(0))))
    const ok = queue.add(async () => 1)
    const failing = queue.add(async () => {
      throw new Error('job failed')
    })
    const controller = new AbortController()
    const aborted = queue.add(async () => 2, { signal: controller.signal })
    controller.abort()
    release()
    expect(await blocker).toBe(0)
    expect(await ok).toBe(1)
    await expect(failing).rejects.toThrow('job failed')
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' })
    await queue.onIdle()
    expect(queue.size).toBe(0)
  })
})

describe("the peer store's datastore keys (patches/@libp2p__peer-store@12.0.28.patch)", () => {
  test('the same key as built from the CID, for any peer id object of the same peer', async () => {
    const { peerIdToDatastoreKey } = await importThrough<{
      peerIdToDatastoreKey: (id: unknown) => { toString(): string }
    }>(['libp2p', '@libp2p/peer-store'], 'dist/src/utils/peer-id-to-datastore-key.js')
    const wallets = [generateWallet(), generateWallet()]
    for (const { identity } of wallets) {
      const expected = `/peers/${identity.peerId.toCID().toString()}`
      expect(peerIdToDatastoreKey(identity.peerId).toString()).toBe(expected)
      // A second PeerId object for the same peer (peer ids are rebuilt per message and per stream).
      expect(peerIdToDatastoreKey(peerIdFromString(identity.peerId.toString())).toString()).toBe(expected)
    }
    expect(() => peerIdToDatastoreKey({})).toThrow('Invalid PeerId')
  })
})

type Release = () => void
interface PeerLockInstance {
  readLock(options?: { signal?: AbortSignal }): Promise<Release>
  writeLock(options?: { signal?: AbortSignal }): Promise<Release>
}

// The peer store's per-peer lock (same patch): an in-process read-write lock instead of a mortice
// mutex (two job queues, their jobs and abort controllers) built and finalized on every access.
describe("the peer store's lock", () => {
  const load = async (): Promise<new () => PeerLockInstance> =>
    (
      await importThrough<{ PeerLock: new () => PeerLockInstance }>(
        ['libp2p', '@libp2p/peer-store'],
        'dist/src/utils/peer-lock.js',
      )
    ).PeerLock

  /** Which of the given lock requests have been granted so far (after pending callbacks ran). */
  const granted = async (requests: Array<{ done: boolean }>): Promise<boolean[]> => {
    await new Promise((resolve) => setImmediate(resolve))
    return requests.map((r) => r.done)
  }
  const track = (p: Promise<Release>): { done: boolean; release: Promise<Release> } => {
    const r = { done: false, release: p }
    void p.then(
      () => {
        r.done = true
      },
      () => {},
    )
    return r
  }

  test('readers share it, a writer holds it alone, and a waiting writer keeps later readers back', async () => {
    const lock = new (await load())()
    const r1 = track(lock.readLock())
    const r2 = track(lock.readLock())
    const w = track(lock.writeLock())
    const r3 = track(lock.readLock())
    expect(await granted([r1, r2, w, r3])).toEqual([true, true, false, false])
    ;(await r1.release)()
    expect(await granted([w, r3])).toEqual([false, false])
    ;(await r2.release)()
    expect(await granted([w, r3])).toEqual([true, false])
    const release = await w.release
    release()
    release() // a second call changes nothing
    expect(await granted([r3])).toEqual([true])
    const w2 = track(lock.writeLock())
    expect(await granted([w2])).toEqual([false])
    ;(await r3.release)()
    expect(await granted([w2])).toEqual([true])
  })

  test('a waiter whose signal aborts leaves with its reason, and those behind it go on', async () => {
    const lock = new (await load())()
    const reader = await lock.readLock()
    const controller = new AbortController()
    const writer = lock.writeLock({ signal: controller.signal })
    const laterReader = track(lock.readLock())
    expect(await granted([laterReader])).toEqual([false])
    controller.abort(new Error('gave up'))
    await expect(writer).rejects.toThrow('gave up')
    expect(await granted([laterReader])).toEqual([true])
    await expect(lock.writeLock({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    })
    reader()
  })

  test('concurrent merges of one peer all land (each read-modify-write holds the write lock)', async () => {
    const { persistentPeerStore } = await importThrough<{
      persistentPeerStore: (components: Record<string, unknown>) => {
        merge(id: unknown, data: { tags: Record<string, { value: number }> }): Promise<unknown>
        get(id: unknown): Promise<{ tags: Map<string, unknown> }>
      }
    }>(['libp2p', '@libp2p/peer-store'], 'dist/src/index.js')
    const { MemoryDatastore } = await importThrough<{ MemoryDatastore: new () => unknown }>(
      ['libp2p', 'datastore-core'],
      'dist/src/memory.js',
    )
    const { defaultLogger } = await importThrough<{ defaultLogger: () => unknown }>(
      ['libp2p', '@libp2p/logger'],
      'dist/src/index.js',
    )
    const store = persistentPeerStore({
      peerId: generateWallet().identity.peerId,
      datastore: new MemoryDatastore(),
      logger: defaultLogger(),
      events: Object.assign(new EventTarget(), { safeDispatchEvent: () => true }),
    })
    const peer = generateWallet().identity.peerId
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.merge(peer, { tags: { [`t${i}`]: { value: i } } })),
    )
    expect((await store.get(peer)).tags.size).toBe(20)
  })
})
