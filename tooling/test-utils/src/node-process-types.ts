// The types and the error of the node-process harness's parent side (./node-process.ts).

/** How a process ended. */
export interface ProcessExit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** Every message has a `type`. */
export interface TypedMessage {
  type: string
}

/** Options of {@link spawnNodeProcess}. */
export interface SpawnNodeProcessOptions<Receive> {
  /** The script Node runs (with this process's Node, `process.execPath`), or with `command` its first argument. */
  script?: string | URL
  /** Run this program instead of Node (a `lines` process such as a Go binary). @default process.execPath */
  command?: string
  /** Arguments after the script. @default [] */
  args?: string[]
  /** Node's own flags, before the script (unlike `fork`, the parent's are not passed on). @default [] */
  execArgv?: string[]
  /**
   * A command the process runs under, e.g. `['ip', 'netns', 'exec', ns]`; it must exec its
   * argument in place, so that the IPC channel and the pid are the node's. @default []
   */
  wrapper?: string[]
  /**
   * `ipc`: Node's IPC channel (`process.send` / `process.on('message')`); `lines`: one JSON object
   * per line on stdout, commands as lines on stdin. @default 'ipc'
   */
  channel?: 'ipc' | 'lines'
  /** IPC serialization. @default 'json' */
  serialization?: 'json' | 'advanced'
  /** Variables over this process's environment. @default {} */
  env?: NodeJS.ProcessEnv
  /** `pipe`: kept ({@link NodeProcess.stderr}); `inherit`: written to this process's stderr. @default 'pipe' */
  stderr?: 'pipe' | 'inherit'
  /** stderr lines kept (the last ones). @default 40 */
  stderrLines?: number
  /** Sees each stderr line first; returning true keeps it out of {@link NodeProcess.stderr}. */
  onStderrLine?: (line: string) => boolean | undefined
  /** Keep every message in {@link NodeProcess.messages}, so that `next` also finds earlier ones. @default false */
  history?: boolean
  /** `lines` channel: turns a stdout line into a message. @default JSON.parse, else `{ type: 'unparsed', text }` */
  parseLine?: (text: string) => Receive
}

/** What {@link NodeProcess.next} waits for, and for how long. */
export interface NextOptions<Receive> {
  timeoutMs: number
  /** What is awaited, for the error message. */
  what: string
  /** A message that means the process failed: returns why (the wait rejects with it). */
  failed?: (message: Receive) => string | undefined
}

/** A node process as its parent sees it. */
export interface NodeProcess<Send, Receive extends TypedMessage> {
  readonly pid: number
  /** `performance.now()` just before the spawn. */
  readonly spawnedAtMs: number
  readonly running: boolean
  /** How it ended; undefined while it runs. */
  readonly exit: ProcessExit | undefined
  /** Resolves when it has exited. */
  readonly exited: Promise<ProcessExit>
  /** The last stderr lines. */
  readonly stderr: readonly string[]
  /** Every message received, with `history`; else empty. */
  readonly messages: readonly Receive[]
  /** Sends a message (a `lines` process: a string as it is, anything else as JSON); dropped once it is gone. */
  send(message: Send): void
  /** Calls `listener` with every message; returns the function that stops it. */
  onMessage(listener: (message: Receive) => void): () => void
  /** The first message that matches (with `history`, an earlier one too); rejects on timeout, exit or `failed`. */
  next<M extends Receive>(
    match: (message: Receive) => message is M,
    options: NextOptions<Receive>,
  ): Promise<M>
  next(match: (message: Receive) => boolean, options: NextOptions<Receive>): Promise<Receive>
  /**
   * The start handshake: the first message of `type` (e.g. `listening`), like `next`; on timeout,
   * exit or `failed` the process is killed and the error carries its stderr.
   */
  ready<T extends Receive['type']>(
    type: T,
    options: NextOptions<Receive>,
  ): Promise<Extract<Receive, { type: T }>>
  /** Sends `build(id)` and resolves with the reply of `type` that carries the same `id`; rejects after `timeoutMs`. */
  request<T extends Receive['type']>(
    type: T,
    build: (id: number) => Send,
    options: { timeoutMs: number; what: string },
  ): Promise<Extract<Receive, { type: T }>>
  /**
   * Asks it to end: sends `message`, or without one closes the channel (IPC disconnect; a `lines`
   * process's stdin is closed either way), then kills it (SIGKILL) if it has not exited after
   * `timeoutMs`. Idempotent; resolves once it has exited.
   */
  stop(options: { message?: Send; timeoutMs: number }): Promise<void>
  /** Kills it at once (SIGKILL: a crash); resolves once it has exited. */
  kill(): Promise<void>
  /** How it ended with the last stderr lines, e.g. `1: Error: boom | at ...` (`running` while it runs). */
  describeExit(lines?: number): string
}

/** A node process failed to start or did not answer; `stderr` holds its last lines. */
export class NodeProcessError extends Error {
  override name = 'NodeProcessError'
  readonly stderr: readonly string[]

  constructor(message: string, stderr: readonly string[]) {
    super(message)
    this.stderr = [...stderr]
  }
}
