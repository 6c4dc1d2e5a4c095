import { realpathSync } from 'node:fs'
import { findPackageJSON } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { generateWallet } from '@depin/test-utils'
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

/**
 * The entry of a package reached through a chain of dependencies, each resolved from the real
 * folder of the one before (pnpm links a package's own dependencies beside its real folder).
 */
async function importThrough<T>(chain: string[], entry: string): Promise<T> {
  let base = import.meta.url
  let pkg: string | undefined
  for (const name of chain) {
    const found = findPackageJSON(name, base)
    if (found === undefined) throw new Error(`${name} not found from ${base}`)
    pkg = realpathSync(found)
    base = pathToFileURL(pkg).href
  }
  return (await import(pathToFileURL(join(dirname(pkg as string), entry)).href)) as T
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
