import { execFileSync } from 'node:child_process'
import { run, runSync } from './shell.js'

/** Every namespace of this harness is named `dnl<pid>x<n>-<name>` (NAT topologies and regions alike). */
const NAMESPACE_PATTERN = /^dnl(\d+)x\d+-/

/** What a live topology owns: its namespaces (in creation order) and the processes it started. */
export interface NamespaceSet {
  readonly prefix: string
  readonly namespaces: string[]
  readonly pids: Set<number>
  /** Deletes the namespaces, last created first, and forgets the set (idempotent). */
  release(): Promise<void>
}

let counter = 0
const live = new Set<NamespaceSet>()
let exitHooked = false

/**
 * Starts a topology's namespace set: sweeps namespaces left by dead runs, picks a fresh prefix and
 * makes sure its processes are killed and its namespaces deleted on exit, SIGINT or SIGTERM.
 */
export async function openNamespaceSet(): Promise<NamespaceSet> {
  hookExit()
  await sweepStaleNamespaces()
  const set: NamespaceSet = {
    prefix: `dnl${process.pid}x${counter++}-`,
    namespaces: [],
    pids: new Set(),
    release: async () => {
      for (const name of [...set.namespaces].reverse()) {
        await run('ip', ['netns', 'del', name]).catch(() => runSync('ip', ['netns', 'del', name]))
      }
      live.delete(set)
    },
  }
  live.add(set)
  return set
}

function hookExit(): void {
  if (exitHooked) return
  exitHooked = true
  const cleanup = (): void => {
    for (const set of live) {
      for (const pid of set.pids) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      for (const name of [...set.namespaces].reverse()) runSync('ip', ['netns', 'del', name])
    }
    live.clear()
  }
  process.once('exit', cleanup)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanup()
      process.kill(process.pid, signal)
    })
  }
}

/** Removes namespaces left by a run of this harness whose process is gone (a crash, a kill -9). */
export async function sweepStaleNamespaces(): Promise<string[]> {
  const out = await run('ip', ['netns', 'list'])
  const removed: string[] = []
  for (const line of out.split('\n')) {
    const name = line.split(' ')[0] ?? ''
    const match = NAMESPACE_PATTERN.exec(name)
    if (match === null) continue
    const pid = Number(match[1])
    if (pid === process.pid || isAlive(pid)) continue
    // A process left inside (a gateway daemon) would keep the namespace and its links alive.
    const pids = await run('ip', ['netns', 'pids', name]).catch(() => '')
    for (const left of pids.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(left), 'SIGKILL')
      } catch {
        // already gone
      }
    }
    await run('ip', ['netns', 'del', name]).catch(() => {})
    removed.push(name)
  }
  return removed
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Namespaces of this harness currently present on the machine (for leak checks). */
export function listHarnessNamespaces(): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => NAMESPACE_PATTERN.test(name))
}
