// CPU ms of a process's threads so far, summed by thread name (trailing digits dropped, so a pool's threads add
// up), from /proc/<pid>/task/<tid>/{comm,schedstat}. Shared by the 2026-12-07 idle scripts.
import { readdirSync, readFileSync } from 'node:fs'

export function threadCpuMs(pid = 'self') {
  const out = {}
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim().replace(/[0-9]+$/, '')
      out[comm] = (out[comm] ?? 0) + Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]) / 1e6
    } catch {}
  }
  return out
}
