import { execFile } from 'node:child_process'
import { accessSync, constants, mkdirSync, renameSync } from 'node:fs'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** tooling/interop-go: the Go module's directory. */
export const GO_MODULE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Where the tests build the Go program (gitignored; Go's own build cache makes rebuilds cheap). */
export const GO_BINARY = join(GO_MODULE_DIR, '.bin', 'interop-go')

/** The first build of go-libp2p on a new machine takes minutes on 2 cores. */
export const GO_BUILD_TIMEOUT_MS = 10 * 60_000

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The `go` command: $INTEROP_GO, else `go` on PATH, else the standard install location.
 * `undefined` when there is none (the interop tests then skip, saying why).
 */
export function findGo(): string | undefined {
  const fromEnv = process.env.INTEROP_GO
  if (fromEnv !== undefined && fromEnv !== '') return isExecutable(fromEnv) ? fromEnv : undefined
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, 'go'))) return join(dir, 'go')
  }
  return isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined
}

/** Why the interop tests skip, or `undefined` when they can run. */
export const GO_SKIP_REASON =
  findGo() === undefined
    ? 'the Go toolchain is not installed (`go` not on PATH, nor /usr/local/go/bin/go; set INTEROP_GO)'
    : undefined

/**
 * Builds tooling/interop-go into .bin/interop-go and returns its path. Several test files may
 * build at once: each builds to its own temporary name and renames it into place (atomic).
 */
export async function buildGoBinary(): Promise<string> {
  const go = findGo()
  if (go === undefined) throw new Error(GO_SKIP_REASON)
  mkdirSync(dirname(GO_BINARY), { recursive: true })
  const tmp = `${GO_BINARY}.${process.pid}.tmp`
  try {
    await run(go, ['build', '-buildvcs=false', '-o', tmp, '.'], {
      cwd: GO_MODULE_DIR,
      timeout: GO_BUILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      // A go.mod newer than the local toolchain fails clearly instead of downloading one.
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' },
    })
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`go build of tooling/interop-go failed: ${e.stderr ?? e.message}`)
  }
  renameSync(tmp, GO_BINARY)
  return GO_BINARY
}

/** The binary built by test/global-setup.ts; throws the build's error when it failed. */
export function builtGoBinary(build: { binary?: string; error?: string }): string {
  if (build.binary !== undefined) return build.binary
  throw new Error(build.error ?? 'interop-go was not built (test/global-setup.ts did not run)')
}
