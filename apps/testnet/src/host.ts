// Many testnet nodes in one OS process: the process (started by the CLI with an IPC channel) runs
// `threads` worker threads of this same file, and each worker runs up to `nodesPerThread` nodes
// (spread over the threads as they start: placement.ts `chooseThread`), every one its own libp2p
// host with its own wallet, ports and loopback address. The process only routes
// messages: parent <-> process by IPC, process <-> worker by the worker's port, each tagged with
// the node's key.

import { availableParallelism } from 'node:os'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { sendToParent, serveParent, settleWithin } from '@depin/test-utils/node-process-child'
import { compactWhenStarted } from './heap-compaction.js'
import { NodeRunner } from './node-runner.js'
import { chooseThread, NODES_PER_THREAD } from './placement.js'
import type { HostChildMessage, HostParentMessage } from './protocol.js'
import { lowerThreadPriority, NODES_THREAD_NICE } from './thread-priority.js'

/** How long a stopping host waits for its nodes' goodbyes before it exits anyway. */
const HOST_STOP_TIMEOUT_MS = 15_000

/** Quiet time after a worker's last node start before it compacts its heap. */
const COMPACT_AFTER_START_MS = 30_000

interface HostData {
  nodesPerThread: number
  /** The thread runs a bootstrap node alone: it keeps its priority, the others yield to it. */
  bootstrap: boolean
}

if (isMainThread) runHostProcess()
else runWorker()

function runHostProcess(): void {
  const nodesPerThread = Math.max(1, Number(process.argv[2] ?? NODES_PER_THREAD) || NODES_PER_THREAD)
  const threads = Math.max(1, Number(process.argv[3] ?? 1) || 1)
  const workers: Array<{ worker: Worker; keys: Set<string>; capacity: number; alone: boolean }> = []
  const placement = new Map<string, (typeof workers)[number]>()
  let stopping: Promise<void> | undefined

  const toParent = (message: HostChildMessage): void => sendToParent(message)
  /**
   * The worker for one more node: a new one until there are `threads`, then the one holding fewest
   * (a new one when all are full). A bootstrap node gets a thread of its own: every newcomer's
   * handshake lands on it at once.
   */
  const workerFor = (key: string, alone: boolean): (typeof workers)[number] => {
    const placed = placement.get(key)
    if (placed !== undefined) return placed
    const shared = workers.filter((w) => !w.alone)
    let slot = alone
      ? undefined
      : shared[
          chooseThread(
            shared.map((w) => w.keys.size),
            threads,
            nodesPerThread,
          )
        ]
    if (slot === undefined) {
      const capacity = alone ? 1 : nodesPerThread
      const worker = new Worker(new URL(import.meta.url), {
        workerData: { nodesPerThread: capacity, bootstrap: alone } satisfies HostData,
      })
      const created = { worker, keys: new Set<string>(), capacity, alone }
      worker.on('message', (message: HostChildMessage) => {
        if (message.type === 'node-exit') {
          created.keys.delete(message.key)
          placement.delete(message.key)
        }
        toParent(message)
      })
      // A worker that dies takes its nodes with it: each is reported as exited.
      worker.on('exit', (code) => {
        for (const k of created.keys) toParent({ type: 'node-exit', key: k, code: code === 0 ? 1 : code })
        created.keys.clear()
        workers.splice(workers.indexOf(created), 1)
      })
      worker.on('error', (err) => process.stderr.write(`testnet host worker failed: ${err.message}\n`))
      workers.push(created)
      slot = created
    }
    slot.keys.add(key)
    placement.set(key, slot)
    return slot
  }

  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      const exited = workers.map(
        (w) => new Promise<void>((resolve) => w.worker.once('exit', () => resolve())),
      )
      for (const w of workers) w.worker.postMessage({ type: 'stop-all' })
      await settleWithin(Promise.all(exited), HOST_STOP_TIMEOUT_MS)
      process.exit(0)
    })()
    return stopping
  }

  const route = (message: HostParentMessage): void => {
    if (stopping !== undefined) return
    const starting = message.type === 'to-node' && message.message.type === 'start'
    // A late message to a node that has exited (an answer, a stop) places nothing anywhere.
    if (!starting && !placement.has(message.key)) return
    const alone = starting && message.message.type === 'start' && message.message.config.role === 'bootstrap'
    workerFor(message.key, alone).worker.postMessage(message)
  }
  serveParent(route, () => void stopAll(), { ignoreSigint: true })
  toParent({ type: 'host-ready', threads: availableParallelism() })
}

function runWorker(): void {
  const port = parentPort
  if (port === null) return
  const { nodesPerThread, bootstrap } = workerData as HostData
  if (!bootstrap) lowerThreadPriority(NODES_THREAD_NICE)
  const runners = new Map<string, NodeRunner>()
  let stoppingAll = false
  const compact = compactWhenStarted(COMPACT_AFTER_START_MS)

  const exitIfDone = (): void => {
    if (stoppingAll && runners.size === 0) process.exit(0)
  }
  const runnerFor = (key: string): NodeRunner => {
    let runner = runners.get(key)
    if (runner === undefined) {
      if (runners.size >= nodesPerThread) throw new Error(`worker is full (${nodesPerThread} nodes)`)
      runner = new NodeRunner({
        send: (message) => port.postMessage({ type: 'from-node', key, message } satisfies HostChildMessage),
        onExit: (code) => {
          runners.delete(key)
          port.postMessage({ type: 'node-exit', key, code } satisfies HostChildMessage)
          exitIfDone()
        },
        processMetrics: false,
      })
      runners.set(key, runner)
    }
    return runner
  }

  port.on('message', (message: HostParentMessage | { type: 'stop-all' }) => {
    switch (message.type) {
      case 'to-node':
        // Only a start creates a node; anything else for a node that is gone is dropped.
        if (message.message.type === 'start' || runners.has(message.key))
          runnerFor(message.key).handle(message.message)
        if (message.message.type === 'start') compact.started()
        break
      case 'kill-node':
        // In one process a node cannot crash alone: it stops at once instead (the fault scenarios
        // that kill nodes run one node per process).
        void runners.get(message.key)?.stop(0)
        break
      case 'stop-all':
        stoppingAll = true
        compact.cancel()
        for (const runner of runners.values()) void runner.stop(0)
        exitIfDone()
        break
    }
  })
}
