// Builds tooling/interop-go into .bin/interop-go. Run by `turbo run build` (beside the TypeScript
// builds, so the suite does not start with a minute of cold go-libp2p compilation) and again by the
// interop tests' global setup (seconds, from Go's build cache). Without Go it builds nothing and
// says why: the interop tests then skip with the same reason.
import { execFile } from 'node:child_process'
import { accessSync, constants, mkdirSync, renameSync, rmSync } from 'node:fs'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** tooling/interop-go: the Go module's directory. */
export const GO_MODULE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Where the Go program is built (gitignored; Go's own build cache makes rebuilds cheap). */
const GO_BINARY = join(GO_MODULE_DIR, '.bin', 'interop-go')

/** The first build of go-libp2p on a new machine takes about a minute of both cores. */
const GO_BUILD_TIMEOUT_MS = 10 * 60_000

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The `go` command: $INTEROP_GO, else `go` on PATH, else the standard install location. */
export function findGo() {
  const fromEnv = process.env.INTEROP_GO
  if (fromEnv !== undefined && fromEnv !== '') return isExecutable(fromEnv) ? fromEnv : undefined
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, 'go'))) return join(dir, 'go')
  }
  return isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined
}

/** Why nothing can be built, or `undefined` when Go is there. */
export const GO_SKIP_REASON =
  findGo() === undefined
    ? 'the Go toolchain is not installed (`go` not on PATH, nor /usr/local/go/bin/go; set INTEROP_GO)'
    : undefined

/**
 * Builds the program and returns its path. Several builds may run at once: each writes its own
 * temporary file and renames it into place (atomic).
 */
export async function buildGoBinary() {
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
    rmSync(tmp, { force: true })
    throw new Error(`go build of tooling/interop-go failed: ${err.stderr || err.message}`)
  }
  renameSync(tmp, GO_BINARY)
  return GO_BINARY
}

// `node scripts/go-build.mjs`: the package's build step. A failed build does not fail the
// workspace build (the interop tests build again and fail with the compiler's message).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (GO_SKIP_REASON !== undefined) {
    console.log(`interop-go: not built: ${GO_SKIP_REASON}`)
  } else {
    const started = Date.now()
    try {
      await buildGoBinary()
      console.log(`interop-go: go build done in ${Date.now() - started} ms`)
    } catch (err) {
      console.log(`interop-go: ${err.message}`)
    }
  }
}
