import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { findGo, GO_MODULE_DIR, GO_SKIP_REASON } from './helpers/go-binary.js'

const run = promisify(execFile)
const suite =
  GO_SKIP_REASON === undefined
    ? 'Go interop: the Go source'
    : `Go interop: the Go source (skipped: ${GO_SKIP_REASON})`

describe.skipIf(GO_SKIP_REASON !== undefined)(suite, () => {
  const go = findGo()!
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' }

  test('is gofmt-formatted', async () => {
    const goroot = (await run(go, ['env', 'GOROOT'], { env, timeout: 20_000 })).stdout.trim()
    const gofmt = join(goroot, 'bin', 'gofmt')
    const { stdout } = await run(gofmt, ['-l', '.'], { cwd: GO_MODULE_DIR, env, timeout: 20_000 })
    expect(stdout.trim()).toBe('')
  })

  test('passes go vet', async () => {
    // Runs after the global setup's build, so the packages' export data is cached.
    const result = await run(go, ['vet', './...'], { cwd: GO_MODULE_DIR, env, timeout: 25_000 }).then(
      () => '',
      (err: { stderr?: string; message: string }) => err.stderr ?? err.message,
    )
    expect(result).toBe('')
  })
})
