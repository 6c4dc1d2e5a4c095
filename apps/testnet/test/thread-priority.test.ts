import { readFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import { Worker } from 'node:worker_threads'
import { expect, test } from 'vitest'

/** A task's nice value, field 19 of /proc/<pid>/task/<tid>/stat (after the command's closing paren). */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
}

test.runIf(process.platform === 'linux')(
  "a worker thread lowers its own priority, and only its own: the process's main thread keeps its nice",
  async () => {
    const module = new URL('../src/thread-priority.ts', import.meta.url).href
    // Node 24 strips the types of the module it imports; the worker reports the thread id it acted on.
    const worker = new Worker(
      `import(${JSON.stringify(module)}).then((m) => require('node:worker_threads').parentPort.postMessage(m.lowerThreadPriority(5)), (err) => require('node:worker_threads').parentPort.postMessage(String(err)))
       setInterval(() => {}, 1000)`,
      { eval: true },
    )
    try {
      const tid = await new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
      })
      expect(typeof tid).toBe('number')
      expect(tid).not.toBe(process.pid)
      expect(niceOf(tid as number)).toBe(Math.min(19, getPriority(process.pid) + 5))
      expect(niceOf(process.pid)).toBe(getPriority(process.pid))
    } finally {
      await worker.terminate()
    }
  },
)
