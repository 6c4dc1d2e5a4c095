// The child's side of a node process (its parent's side is ./node-process.ts): send to the parent,
// ask it for what it owns (the registry) and wait for the answer within a bound, stop within a bound,
// and end when the parent says so or is gone.
// Run by Node directly in some children (type stripping): no runtime imports of local files, no
// TypeScript-only syntax. Node builtins only: apps/testnet bundles it into its node processes.

/** A child's request to its parent, answered by an {@link AnswerMessage} with the same `id`. */
export interface AskMessage<What extends string = string> {
  type: 'ask'
  id: number
  what: What
}

/** The parent's answer to an {@link AskMessage}: `value`, or `error` when it could not answer. */
export interface AnswerMessage {
  type: 'answer'
  id: number
  value?: unknown
  error?: string
}

/** Requests to the parent, each answered by id. */
export interface Asker<What extends string> {
  /** Asks the parent; rejects after the asker's timeout, on `signal`, or with the parent's error. */
  ask<T>(what: What, signal: AbortSignal): Promise<T>
  /** Settles the pending `ask` the answer is for (an unknown id is ignored). */
  answer(message: AnswerMessage): void
}

/**
 * Asks the parent through `send` (IPC, a worker port) and settles each ask when its answer comes.
 *
 * @example
 * const asker = createAsker<'wallets' | 'bootstrap'>(sendToParent)
 * const wallets = await asker.ask<string[]>('wallets', signal)
 */
export function createAsker<What extends string>(
  send: (message: AskMessage<What>) => void,
  { timeoutMs = 5_000 }: { timeoutMs?: number } = {},
): Asker<What> {
  let nextId = 0
  const pending = new Map<number, (error: Error | undefined, value?: unknown) => void>()
  return {
    ask<T>(what: What, signal: AbortSignal): Promise<T> {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        const timeout = setTimeout(
          () => done(new Error(`registry (${what}) did not answer in ${timeoutMs} ms`)),
          timeoutMs,
        )
        const onAbort = (): void =>
          done(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
        const done = (error: Error | undefined, value?: unknown): void => {
          clearTimeout(timeout)
          signal.removeEventListener('abort', onAbort)
          pending.delete(id)
          if (error === undefined) resolve(value as T)
          else reject(error)
        }
        pending.set(id, done)
        signal.addEventListener('abort', onAbort, { once: true })
        send({ type: 'ask', id, what })
      })
    },
    answer(message) {
      pending.get(message.id)?.(
        message.error === undefined ? undefined : new Error(message.error),
        message.value,
      )
    },
  }
}

/** Sends `message` to the parent over IPC while the channel is open (dropped after). */
export function sendToParent(message: unknown): void {
  if (process.connected) process.send?.(message)
}

/** Resolves once `work` settles or after `timeoutMs`, whichever comes first; never rejects. */
export async function settleWithin(work: Promise<unknown> | undefined, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs)
    timer.unref()
  })
  await Promise.race([work?.catch(() => {}), bound])
  clearTimeout(timer)
}

/** What a node process tells its parent about its own life. */
export type NodeLifeMessage = { type: 'failed'; message: string } | { type: 'stopped' }

/** Options of {@link createNodeLifecycle}. */
export interface NodeLifecycleInit<Receive extends { type: string }> {
  /** Sends to the parent (IPC, a worker port). */
  send(message: NodeLifeMessage): void
  /** Starts the node on the parent's `start` message; a rejection is reported as `failed`, then the node stops with code 1. */
  start(message: Extract<Receive, { type: 'start' }>): Promise<void>
  /** Every other message than `start`, `answer` and `stop`. */
  onMessage?(message: Exclude<Receive, { type: 'start' | 'answer' | 'stop' }>): void
  /** Gets the parent's answers (see {@link createAsker}). */
  asker?: Pick<Asker<string>, 'answer'>
  /** Ends the node (clears its timers, disconnects); given `stopTimeoutMs` at most. */
  shutdown(): Promise<unknown> | undefined
  stopTimeoutMs: number
  /** Called once `stopped` is sent: exits the process, or drops the node from its thread. */
  exit(code: number): void
  /** The `failed` message for a start that threw. @default the error's message */
  describeFailure?(err: unknown): string
}

/** A node process's life: one start, one bounded stop. */
export interface NodeLifecycle<Receive> {
  /** Routes a message from the parent. */
  handle(message: Receive): void
  /** Shuts the node down (bounded), sends `stopped`, then exits with `code`. Idempotent. */
  stop(code: number): Promise<void>
  /** Whether `stop` has been called. */
  readonly stopping: boolean
}

/**
 * The life of a node the parent drives: `start`, the parent's answers, other messages, and `stop`,
 * which shuts it down within `stopTimeoutMs` whatever it waits on. Transport-free (worker threads
 * use it too); {@link serveNodeProcess} wires it to the process's IPC channel.
 */
export function createNodeLifecycle<Receive extends { type: string }>(
  init: NodeLifecycleInit<Receive>,
): NodeLifecycle<Receive> {
  let stopping: Promise<void> | undefined
  const stop = (code: number): Promise<void> => {
    stopping ??= (async () => {
      await settleWithin(init.shutdown(), init.stopTimeoutMs)
      init.send({ type: 'stopped' })
      init.exit(code)
    })()
    return stopping
  }
  const describe =
    init.describeFailure ?? ((err: unknown) => (err instanceof Error ? err.message : String(err)))
  return {
    handle(message) {
      switch (message.type) {
        case 'start':
          init.start(message as Extract<Receive, { type: 'start' }>).catch((err: unknown) => {
            init.send({ type: 'failed', message: describe(err) })
            void stop(1)
          })
          break
        case 'answer':
          init.asker?.answer(message as unknown as AnswerMessage)
          break
        case 'stop':
          void stop(0)
          break
        default:
          init.onMessage?.(message as Exclude<Receive, { type: 'start' | 'answer' | 'stop' }>)
      }
    },
    stop,
    get stopping() {
      return stopping !== undefined
    },
  }
}

/**
 * Serves the parent: each IPC message goes to `onMessage`; SIGTERM and the parent going away (the
 * channel closes) call `stop`. With `ignoreSigint`, a terminal's Ctrl-C (sent to the whole process
 * group) is ignored: the parent decides when its nodes stop.
 */
export function serveParent<Receive>(
  onMessage: (message: Receive) => void,
  stop: () => void,
  { ignoreSigint = false }: { ignoreSigint?: boolean } = {},
): void {
  process.on('message', (message: Receive) => onMessage(message))
  if (ignoreSigint) process.on('SIGINT', () => {})
  process.on('SIGTERM', stop)
  process.on('disconnect', stop)
}

/** Closes the channel to the parent and exits with `code`. */
export function exitChild(code: number): never {
  process.disconnect?.()
  process.exit(code)
}

/**
 * A node alone in its process: {@link createNodeLifecycle} over the IPC channel ({@link serveParent});
 * it exits once stopped.
 *
 * @example
 * const node = serveNodeProcess<ParentMessage>({ start, shutdown: () => db?.disconnect(), stopTimeoutMs: 5_000, asker })
 */
export function serveNodeProcess<Receive extends { type: string }>(
  init: Omit<NodeLifecycleInit<Receive>, 'send' | 'exit'> & { ignoreSigint?: boolean },
): NodeLifecycle<Receive> {
  const lifecycle = createNodeLifecycle<Receive>({ ...init, send: sendToParent, exit: exitChild })
  serveParent<Receive>(lifecycle.handle, () => void lifecycle.stop(0), {
    ignoreSigint: init.ignoreSigint ?? false,
  })
  return lifecycle
}
