import { execFile, execFileSync } from 'node:child_process'

/** Bound on any single `ip`/`nft`/`sysctl` call. */
const COMMAND_TIMEOUT_MS = 10_000

/** Runs a command (no shell), resolving with its stdout; rejects with its stderr named. */
export function run(file: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: COMMAND_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.trim() || error.message}`))
      else resolve(stdout)
    })
    if (input !== undefined) child.stdin?.end(input)
  })
}

/** Synchronous variant for exit handlers (where no promise can run); never throws. */
export function runSync(file: string, args: readonly string[]): void {
  try {
    execFileSync(file, args, { timeout: COMMAND_TIMEOUT_MS, stdio: 'ignore' })
  } catch {
    // best effort: the object may already be gone
  }
}
