import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestnetReport } from '../src/report.js'

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  report: TestnetReport | undefined
}

/** Runs the built CLI (stdout not a TTY, so plain lines) and reads its JSON report. Bounded by `timeoutMs`. */
export async function runCli(
  args: string[],
  { timeoutMs = 90_000, interruptWhen }: { timeoutMs?: number; interruptWhen?: RegExp } = {},
): Promise<CliRun> {
  if (!existsSync(CLI))
    throw new Error(
      `${CLI} is missing: build first (npx -y pnpm@12.21.0 turbo run build --filter=@depin/testnet...)`,
    )
  const dir = await mkdtemp(join(tmpdir(), 'depin-testnet-'))
  const json = join(dir, 'report.json')
  try {
    const child = spawn(process.execPath, [CLI, ...args, '--json', json], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let interrupted = false
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
      // Ctrl-C as a user presses it, sent to the CLI process only: it must stop its children itself.
      if (interruptWhen !== undefined && !interrupted && interruptWhen.test(stdout)) {
        interrupted = true
        child.kill('SIGINT')
      }
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs)
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
    clearTimeout(timer)
    const report = existsSync(json) ? (JSON.parse(await readFile(json, 'utf8')) as TestnetReport) : undefined
    return { code, stdout, stderr, report }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The failed checks, for a readable assertion message. */
export function failed(run: CliRun): string {
  const checks = run.report?.checks.filter((c) => !c.ok) ?? []
  return `${checks.map((c) => `${c.name}: ${c.detail}`).join('\n')}\n--- stdout tail ---\n${run.stdout.slice(-3_000)}\n--- stderr ---\n${run.stderr.slice(-2_000)}`
}
