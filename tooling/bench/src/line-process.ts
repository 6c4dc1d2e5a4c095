import { spawnNodeProcess } from '@depin/test-utils/node-process'

/** One JSON line a node process printed, with when the bench read it (performance.now()). */
export type Line = { type: string; atMs: number } & Record<string, unknown>

/**
 * A node process that prints one JSON object per line on stdout and reads commands on stdin (the
 * Go program of tooling/interop-go and the bench's vs-go-node alike).
 */
export interface LineProcess {
  readonly pid: number
  /** performance.now() just before spawn(). */
  readonly spawnedAtMs: number
  readonly lines: readonly Line[]
  send(command: string): void
  /** The first line (already read or coming) that matches; rejects after `timeoutMs` or on exit. */
  next(match: (line: Line) => boolean, timeoutMs: number, what: string): Promise<Line>
  /** Sends `quit`, closes stdin, and kills the process if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

function parseLine(text: string): Line {
  const atMs = performance.now()
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>
    return { ...parsed, type: String(parsed.type), atMs }
  } catch {
    return { type: 'unparsed', text, atMs }
  }
}

/** Starts `command` as a {@link LineProcess} (the harness of @depin/test-utils/node-process, `lines` channel). */
export function spawnLineProcess(command: string, args: string[], env: Record<string, string>): LineProcess {
  const proc = spawnNodeProcess<string, Line>({
    command,
    args,
    env,
    channel: 'lines',
    history: true,
    stderrLines: 50,
    parseLine,
  })
  return {
    pid: proc.pid,
    spawnedAtMs: proc.spawnedAtMs,
    lines: proc.messages,
    send: (command) => proc.send(command),
    next: (match, timeoutMs, what) => proc.next(match, { timeoutMs, what }),
    stop: (graceMs = 5_000) => proc.stop({ message: 'quit', timeoutMs: graceMs }),
  }
}
