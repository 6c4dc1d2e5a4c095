/** How a {@link Controllable} function answers its next calls. */
export type ControllableMode =
  | { kind: 'answer' }
  | { kind: 'throw'; error: Error }
  | { kind: 'hang'; ignoreSignal: boolean }
  | { kind: 'delay'; ms: number }
  | { kind: 'custom'; answer: () => unknown }

/**
 * An async function `({ signal }) => T` whose answer tests can change, make throw, hang or slow
 * down at any time, and whose calls are counted. The base of the in-memory registries.
 */
export interface Controllable<T> {
  /** The function to hand to the code under test. */
  readonly fn: (options?: { signal?: AbortSignal }) => Promise<T>
  /** How many times `fn` was called. */
  readonly calls: number
  /** Calls currently waiting for an answer. */
  readonly pending: number
  /** Answers normally from now on. */
  answer(): void
  /** Every call rejects with `error` from now on. */
  throw(error?: Error): void
  /** Every call hangs until its signal aborts (or forever, with `ignoreSignal`). */
  hang(options?: { ignoreSignal?: boolean }): void
  /** Every call answers after `ms`. */
  delay(ms: number): void
  /** Every call resolves to whatever `answer()` returns (e.g. junk), unchecked. */
  respondWith(answer: () => unknown): void
  /** Releases every hanging call (they reject) and clears pending timers. */
  release(): void
}

export function createControllable<T>(current: () => T): Controllable<T> {
  let mode: ControllableMode = { kind: 'answer' }
  let calls = 0
  const pending = new Set<(err: Error) => void>()

  const wait = (
    ms: number | undefined,
    signal: AbortSignal | undefined,
    ignoreSignal: boolean,
  ): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const done = (err?: Error): void => {
        if (timer !== undefined) clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        pending.delete(done)
        if (err) reject(err)
        else resolve()
      }
      const onAbort = (): void => done(signal?.reason instanceof Error ? signal.reason : new Error('aborted'))
      pending.add(done)
      if (ms !== undefined) timer = setTimeout(() => done(), ms)
      if (!ignoreSignal && signal) {
        if (signal.aborted) onAbort()
        else signal.addEventListener('abort', onAbort, { once: true })
      }
    })

  return {
    fn: async (options = {}) => {
      calls++
      const m = mode
      switch (m.kind) {
        case 'throw':
          throw m.error
        case 'hang':
          await wait(undefined, options.signal, m.ignoreSignal)
          break
        case 'delay':
          await wait(m.ms, options.signal, false)
          break
        case 'custom':
          return m.answer() as T
      }
      return current()
    },
    get calls() {
      return calls
    },
    get pending() {
      return pending.size
    },
    answer: () => {
      mode = { kind: 'answer' }
    },
    throw: (error = new Error('registry unavailable (test)')) => {
      mode = { kind: 'throw', error }
    },
    hang: (options = {}) => {
      mode = { kind: 'hang', ignoreSignal: options.ignoreSignal ?? false }
    },
    delay: (ms) => {
      mode = { kind: 'delay', ms }
    },
    respondWith: (answer) => {
      mode = { kind: 'custom', answer }
    },
    release: () => {
      for (const done of [...pending]) done(new Error('released by test'))
    },
  }
}
