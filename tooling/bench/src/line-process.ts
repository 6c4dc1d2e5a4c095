import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

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
  readonly lines: Line[]
  send(command: string): void
  /** The first line (already read or coming) that matches; rejects after `timeoutMs` or on exit. */
  next(match: (line: Line) => boolean, timeoutMs: number, what: string): Promise<Line>
  /** Sends `quit`, closes stdin, and kills the process if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

export function spawnLineProcess(command: string, args: string[], env: Record<string, string>): LineProcess {
  const spawnedAtMs = performance.now()
  const child: ChildProcessWithoutNullStreams = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const lines: Line[] = []
  const stderr: string[] = []
  const waiters = new Set<() => void>()
  let exited = false
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true
      for (const wake of waiters) wake()
      resolve()
    })
  })
  createInterface({ input: child.stdout }).on('line', (text) => {
    let parsed: Record<string, unknown>
    try {
      parsed = JSON.parse(text) as Record<string, unknown>
    } catch {
      parsed = { type: 'unparsed', text }
    }
    lines.push({ ...parsed, type: String(parsed.type), atMs: performance.now() })
    for (const wake of waiters) wake()
  })
  createInterface({ input: child.stderr }).on('line', (text) => {
    if (stderr.length < 50) stderr.push(text)
  })
  child.stdin.on('error', () => {})
  return {
    pid: child.pid ?? -1,
    spawnedAtMs,
    lines,
    send(line) {
      if (!exited) child.stdin.write(`${line}\n`)
    },
    next(match, timeoutMs, what) {
      const found = lines.find(match)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const line = lines.find(match)
          if (line !== undefined) done(() => resolve(line))
          else if (exited)
            done(() =>
              reject(new Error(`${what}: the process exited (stderr: ${stderr.slice(-5).join(' | ')})`)),
            )
        }
        const timer = setTimeout(
          () => done(() => reject(new Error(`${what}: not seen within ${timeoutMs} ms`))),
          timeoutMs,
        )
        const done = (settle: () => void): void => {
          clearTimeout(timer)
          waiters.delete(check)
          settle()
        }
        waiters.add(check)
        check()
      })
    },
    async stop(graceMs = 5_000) {
      if (exited) return
      child.stdin.write('quit\n')
      child.stdin.end()
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exit
      clearTimeout(timer)
    },
  }
}
