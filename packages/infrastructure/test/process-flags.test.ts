import { execFile } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { NODE_PROCESS_ENV, NODE_PROCESS_FLAGS } from '../src/index.js'

const run = promisify(execFile)

// The young generation's median size in a process while it allocates 64 MB of short-lived objects
// (V8 grows the semi-spaces up to their maximum while objects survive a scavenge). The median, not
// the largest: with the flags the space sits at 2 MB but swells for a moment while a scavenge
// promotes, and on a loaded machine one such moment read 17.5 MB (a CI run of 2026-12-07).
const YOUNG = `
const { getHeapSpaceStatistics } = require('node:v8')
const sizes = []
let keep = []
for (let i = 0; i < 2_000_000; i++) {
  keep.push({ i, s: 'x' + i })
  if (keep.length === 4096) keep = []
  if (i % 1024 === 0) {
    sizes.push(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)
  }
}
sizes.sort((a, b) => a - b)
process.stdout.write(String(sizes[Math.floor(sizes.length / 2)]))
`

describe('NODE_PROCESS_FLAGS', () => {
  test('this Node accepts them and they bound the young generation', async () => {
    const youngWith = async (flags: readonly string[]): Promise<number> => {
      const { stdout, stderr } = await run(process.execPath, [...flags, '-e', YOUNG], { timeout: 30_000 })
      // A flag Node does not know ends the process ("bad option") before any code runs.
      expect(stderr).toBe('')
      return Number(stdout)
    }
    const [withFlags, withDefaults] = await Promise.all([youngWith(NODE_PROCESS_FLAGS), youngWith([])])
    // Node 24 on this machine: 2 MB with them, 16 MB with V8's defaults (which then peak at 32 MB).
    // Without the flags both would read the same.
    expect(withFlags).toBeGreaterThan(0)
    expect(withFlags).toBeLessThanOrEqual(withDefaults / 2)
  })
})

// glibc's thread arenas in a process where four worker threads allocate and hold 4,000 small
// backing stores each (Buffer.alloc: malloc'd by the thread that asks): each arena is a 64 MiB-aligned
// reservation, an anonymous read-write mapping as far as it has grown and the rest inaccessible
// (as bench/results/smaps-kinds.py counts them).
const ARENAS = `
const { Worker } = require('node:worker_threads')
const { readFileSync } = require('node:fs')
const ALLOCATE = "const keep = []; for (let i = 0; i < 4000; i++) keep.push(Buffer.alloc(1024)); require('node:worker_threads').parentPort.postMessage(keep.length); setInterval(() => keep.length, 1000)"
const workers = Array.from({ length: 4 }, () => new Worker(ALLOCATE, { eval: true }))
Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve)))).then(() => {
  const ARENA = 64n << 20n
  const vmas = readFileSync('/proc/self/maps', 'utf8').trim().split('\\n').map((line) => {
    const [range, perms, , , inode, name] = line.trim().split(/\\s+/)
    const [start, end] = range.split('-').map((x) => BigInt('0x' + x))
    return { start, end, perms, anon: inode === '0' && !name }
  })
  const arenas = vmas.filter((v, i) => {
    const rest = vmas[i + 1]
    return v.anon && v.perms === 'rw-p' && v.start % ARENA === 0n && (v.end - v.start === ARENA ||
      (rest !== undefined && rest.anon && rest.perms === '---p' && rest.start === v.end && rest.end - v.start === ARENA))
  })
  process.stdout.write(String(arenas.length))
  process.exit(0)
})
`

describe('NODE_PROCESS_ENV', () => {
  // glibc reads MALLOC_ARENA_MAX; musl and other C libraries have no per-thread arenas to bound.
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
    ?.header?.glibcVersionRuntime
  test.skipIf(process.platform !== 'linux' || glibc === undefined)(
    "bounds glibc's malloc arenas in a process whose threads allocate",
    async () => {
      const arenasWith = async (env: Record<string, string>): Promise<number> => {
        const { MALLOC_ARENA_MAX: _inherited, ...inherited } = process.env
        const { stdout } = await run(process.execPath, ['-e', ARENAS], {
          timeout: 30_000,
          env: { ...inherited, ...env },
        })
        return Number(stdout)
      }
      const [withEnv, withDefaults] = await Promise.all([arenasWith(NODE_PROCESS_ENV), arenasWith({})])
      // The main arena is the brk heap, so MALLOC_ARENA_MAX=2 leaves at most one of these; by
      // default each allocating thread gets its own (up to 8 per core).
      expect(withEnv).toBeLessThanOrEqual(Number(NODE_PROCESS_ENV.MALLOC_ARENA_MAX) - 1)
      expect(withDefaults).toBeGreaterThan(withEnv)
    },
  )
})

// The QUIC binding's Tokio runtime threads once a node listens on QUIC, counted by name in /proc
// (hence Linux only). Run from this package, whose dependencies the child's imports resolve to.
const TOKIO_WORKERS = `
import { readdirSync, readFileSync } from 'node:fs'
import { quic } from '@chainsafe/libp2p-quic'
import { createLibp2p } from 'libp2p'
const node = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/udp/0/quic-v1'] }, transports: [quic()] })
const comm = (task) => readFileSync('/proc/self/task/' + task + '/comm', 'utf8').trim()
const workers = readdirSync('/proc/self/task').filter((task) => comm(task) === 'tokio-rt-worker').length
await node.stop()
process.stdout.write(String(workers))
`

describe('NODE_PROCESS_ENV for the QUIC runtime', () => {
  test.skipIf(process.platform !== 'linux')(
    'gives the QUIC binding one runtime thread instead of one per core',
    async () => {
      const workersWith = async (env: Record<string, string>): Promise<number> => {
        const { TOKIO_WORKER_THREADS: _inherited, ...inherited } = process.env
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', TOKIO_WORKERS], {
          timeout: 30_000,
          cwd: fileURLToPath(new URL('..', import.meta.url)),
          env: { ...inherited, ...env },
        })
        return Number(stdout)
      }
      const [withEnv, withDefaults] = await Promise.all([workersWith(NODE_PROCESS_ENV), workersWith({})])
      expect(withEnv).toBe(Number(NODE_PROCESS_ENV.TOKIO_WORKER_THREADS))
      // Tokio's default is one worker per core: the variable only shows where there are two or more.
      if (availableParallelism() > 1) expect(withDefaults).toBeGreaterThan(withEnv)
      else expect(withDefaults).toBe(1)
    },
  )
})
