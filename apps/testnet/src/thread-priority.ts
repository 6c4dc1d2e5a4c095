// A host process's 25-node worker threads yield to its bootstrap node's thread (host.ts).

import { readlinkSync } from 'node:fs'
import { getPriority, setPriority } from 'node:os'

/**
 * How much a worker thread of many nodes raises its nice value. On a real network the bootstrap node has a machine
 * of its own; in the testnet it shares two cores with every other node, and a 500-node start left it
 * (every newcomer's first contact and every not-ready node's retry target) one thread among ~20 busy
 * ones. Nice +5 gives the bootstrap node's thread ~3x the CPU share of each of them under CFS when all are busy,
 * and changes nothing while a core is free.
 */
export const NODES_THREAD_NICE = 5

/**
 * Lowers the calling thread's priority: its nice value goes up `by` (at most to 19). Linux: a thread
 * is a task with its own id, read from /proc/thread-self, and setpriority() acts on that task alone.
 * Lowering needs no privilege. Returns the thread id it acted on, or undefined where it cannot (no
 * /proc, not Linux).
 */
export function lowerThreadPriority(by: number): number | undefined {
  let tid: number
  try {
    // "<pid>/task/<tid>"
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
  } catch {
    return undefined
  }
  if (!Number.isInteger(tid) || tid <= 0) return undefined
  try {
    setPriority(tid, Math.min(19, getPriority(tid) + by))
    return tid
  } catch {
    return undefined
  }
}
