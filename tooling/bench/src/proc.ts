import { readdirSync, readFileSync } from 'node:fs'

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may contain spaces), from field 3 (state) on.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** Every process below `root` (children, their children, ...), from each process's parent in /proc. */
export function descendants(root: number): number[] {
  const byParent = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    // ppid is field 4 (1-based) of /proc/pid/stat.
    const ppid = Number(statFields(pid)?.[1])
    if (Number.isInteger(ppid)) byParent.set(ppid, [...(byParent.get(ppid) ?? []), pid])
  }
  const out: number[] = []
  const queue = [root]
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    for (const pid of byParent.get(p) ?? []) {
      out.push(pid)
      queue.push(pid)
    }
  }
  return out
}

/** CPU time (user + system) a process has used so far, all its threads, in ms (10 ms resolution). */
export function cpuMs(pid: number): number | undefined {
  const fields = statFields(pid)
  if (fields === undefined) return undefined
  // utime and stime are fields 14 and 15 (1-based) of /proc/pid/stat.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND
}

/**
 * Time on CPU of a process's live threads, in ms with ns resolution (/proc/<pid>/task/<tid>/schedstat).
 * Threads that exited are not counted: use it for short windows (idle CPU), `cpuMs` for totals.
 */
export function onCpuMs(pid: number): number | undefined {
  let tasks: string[]
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return undefined
  }
  let ns = 0
  for (const tid of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    } catch {}
  }
  return ns / 1e6
}

/** Resident set size now and at its peak (VmRSS, VmHWM), in MB. */
export function rssMb(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (key: string): number =>
      Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? Number.NaN)
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
  } catch {
    return undefined
  }
}
