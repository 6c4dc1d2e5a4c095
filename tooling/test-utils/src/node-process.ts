// The parent's side of a node process: spawn it, talk to it (Node's IPC channel, or one JSON object
// per line on stdin/stdout), wait for its "ready" message within a bound, stop it within a bound,
// and keep the tail of its stderr for failure messages. Its child side is ./node-process-child.ts.
// Node builtins only: apps/testnet bundles it into its CLI.

import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { AnswerMessage, AskMessage } from './node-process-child.js'
import {
  type NextOptions,
  type NodeProcess,
  NodeProcessError,
  type ProcessExit,
  type SpawnNodeProcessOptions,
  type TypedMessage,
} from './node-process-types.js'

export * from './node-process-types.js'

function parseJsonLine(text: string): TypedMessage {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>
    return { ...parsed, type: String(parsed.type) }
  } catch {
    return { type: 'unparsed', text } as TypedMessage
  }
}

/**
 * Starts a node process and returns its handle at once (messages sent before it runs are queued).
 *
 * @example
 * const proc = spawnNodeProcess<ParentMessage, ChildMessage>({ script: new URL('./child.js', import.meta.url) })
 * proc.send({ type: 'start', config })
 * const listening = await proc.ready('listening', { timeoutMs: 20_000, what: 'node listening' })
 * await proc.stop({ message: { type: 'stop' }, timeoutMs: 6_000 })
 */
export function spawnNodeProcess<Send, Receive extends TypedMessage>(
  options: SpawnNodeProcessOptions<Receive>,
): NodeProcess<Send, Receive> {
  const channel = options.channel ?? 'ipc'
  const script = options.script instanceof URL ? fileURLToPath(options.script) : options.script
  const program = [
    ...(options.wrapper ?? []),
    options.command ?? process.execPath,
    ...(options.execArgv ?? []),
    ...(script === undefined ? [] : [script]),
    ...(options.args ?? []),
  ]
  const spawnedAtMs = performance.now()
  const child: ChildProcess = spawn(program[0] as string, program.slice(1), {
    stdio:
      channel === 'ipc'
        ? ['ignore', 'ignore', options.stderr ?? 'pipe', 'ipc']
        : ['pipe', 'pipe', options.stderr ?? 'pipe'],
    ...(channel === 'ipc' ? { serialization: options.serialization ?? 'json' } : {}),
    env: { ...process.env, ...options.env },
  })
  const stderr: string[] = []
  const messages: Receive[] = []
  const listeners = new Set<(message: Receive) => void>()
  const waiters = new Set<() => void>()
  let exit: ProcessExit | undefined
  let spawnError: string | undefined
  let resolveExited: (how: ProcessExit) => void = () => {}
  const exited = new Promise<ProcessExit>((resolve) => {
    resolveExited = resolve
  })
  const ended = (how: ProcessExit): void => {
    if (exit !== undefined) return
    exit = how
    for (const wake of waiters) wake()
    resolveExited(how)
  }
  child.once('exit', (code, signal) => ended({ code, signal }))
  // A program that cannot start (ENOENT) emits 'error' and never 'exit'.
  child.once('error', (err) => {
    spawnError = err.message
    if (child.pid === undefined) ended({ code: null, signal: null })
  })
  const keep = options.stderrLines ?? 40
  if (child.stderr !== null)
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line.trim() === '' || options.onStderrLine?.(line) === true) return
      stderr.push(line)
      if (stderr.length > keep) stderr.shift()
    })
  const receive = (message: Receive): void => {
    if (options.history === true) messages.push(message)
    for (const listener of listeners) listener(message)
    for (const wake of waiters) wake()
  }
  if (channel === 'ipc') child.on('message', (message: Receive) => receive(message))
  else if (child.stdout !== null) {
    const parse = options.parseLine ?? (parseJsonLine as (text: string) => Receive)
    createInterface({ input: child.stdout }).on('line', (text) => receive(parse(text)))
    child.stdin?.on('error', () => {})
  }

  const running = (): boolean => exit === undefined
  const send = (message: Send): void => {
    if (!running()) return
    if (channel === 'lines') {
      child.stdin?.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`)
    } else if (child.connected) child.send(message as object, (err) => err && undefined)
  }
  const describeExit = (lines = 3): string => {
    const how = exit === undefined ? 'running' : String(exit.signal ?? exit.code ?? spawnError)
    const tail = stderr.slice(-lines).join(' | ')
    return tail === '' ? how : `${how}: ${tail}`
  }

  const next = (match: (message: Receive) => boolean, o: NextOptions<Receive>): Promise<Receive> => {
    let seen = 0
    const recent: Receive[] = []
    const collect = (message: Receive): void => {
      if (options.history !== true) recent.push(message)
    }
    listeners.add(collect)
    return new Promise<Receive>((resolve, reject) => {
      const check = (): void => {
        const pool = options.history === true ? messages : recent
        for (; seen < pool.length; seen++) {
          const message = pool[seen] as Receive
          const why = o.failed?.(message)
          if (why !== undefined) {
            done(() => reject(new NodeProcessError(`${o.what}: ${why}`, stderr)))
            return
          }
          if (match(message)) {
            done(() => resolve(message))
            return
          }
        }
        if (!running())
          done(() =>
            reject(new NodeProcessError(`${o.what}: the process exited (${describeExit()})`, stderr)),
          )
      }
      const timer = setTimeout(
        () =>
          done(() => reject(new NodeProcessError(`${o.what}: not seen within ${o.timeoutMs} ms`, stderr))),
        o.timeoutMs,
      )
      const done = (settle: () => void): void => {
        clearTimeout(timer)
        waiters.delete(check)
        listeners.delete(collect)
        settle()
      }
      waiters.add(check)
      check()
    })
  }

  let nextId = 0
  let stopping: Promise<void> | undefined
  const kill = async (): Promise<void> => {
    if (running()) child.kill('SIGKILL')
    await exited
  }
  return {
    pid: child.pid ?? -1,
    spawnedAtMs,
    get running() {
      return running()
    },
    get exit() {
      return exit
    },
    exited,
    stderr,
    messages,
    send,
    onMessage(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    next: next as NodeProcess<Send, Receive>['next'],
    async ready(type, o) {
      try {
        return (await next((m) => m.type === type, o)) as never
      } catch (err) {
        await kill()
        throw err
      }
    },
    request(type, build, o) {
      const id = nextId++
      const reply = next((m) => m.type === type && (m as { id?: unknown }).id === id, o)
      send(build(id))
      return reply as never
    },
    stop({ message, timeoutMs }) {
      stopping ??= (async () => {
        if (!running()) return
        if (message !== undefined) send(message)
        if (channel === 'lines') child.stdin?.end()
        else if (message === undefined && child.connected) child.disconnect()
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
        await exited
        clearTimeout(timer)
      })()
      return stopping
    },
    kill,
    describeExit,
  }
}

/**
 * Answers the child's asks ({@link AskMessage}, sent by the child's `createAsker`) with `answer`:
 * its value, or its error's message, goes back as an {@link AnswerMessage} with the ask's id. Each
 * answer gets a signal that aborts after `timeoutMs`.
 *
 * @example
 * answerAsks(proc, (what, signal) => (what === 'wallets' ? registry.wallets({ signal }) : registry.bootstrap({ signal })))
 */
export function answerAsks<What extends string>(
  proc: {
    onMessage(listener: (message: TypedMessage) => void): unknown
    send(message: AnswerMessage): void
  },
  answer: (what: What, signal: AbortSignal) => unknown,
  { timeoutMs = 4_000 }: { timeoutMs?: number } = {},
): void {
  proc.onMessage((message) => {
    if (message.type !== 'ask') return
    const { id, what } = message as AskMessage<What>
    Promise.resolve()
      .then(() => answer(what, AbortSignal.timeout(timeoutMs)))
      .then(
        (value) => proc.send({ type: 'answer', id, value }),
        (err: unknown) =>
          proc.send({ type: 'answer', id, error: err instanceof Error ? err.message : String(err) }),
      )
  })
}
