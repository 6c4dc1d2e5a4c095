// How the testnet parent reaches a node: its own OS process (IPC), or a slot in a host process
// that runs many nodes in worker threads (host.ts). Both look the same to the Network. The
// processes are spawned, stopped and killed by @depin/test-utils' node-process harness.

import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NODE_PROCESS_ENV, NODE_PROCESS_FLAGS } from '@depin/pubsub'
import { type NodeProcess, spawnNodeProcess } from '@depin/test-utils/node-process'
import type { ChildMessage, HostChildMessage, HostParentMessage, ParentMessage } from './protocol.js'

/**
 * Node processes share V8's compiled code through Node's on-disk compile cache: each would
 * otherwise compile the whole node (before it was one bundled file, ~1,000 modules: about 1.6 s of
 * CPU per process with 25 nodes starting at once on 2 cores). A cache the user set
 * (NODE_COMPILE_CACHE) is kept. Then NODE_PROCESS_ENV (glibc's malloc arenas, one QUIC runtime
 * thread), unless the user set those variables.
 */
const CHILD_ENV: NodeJS.ProcessEnv = {
  NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'depin-testnet-compile-cache'),
  ...Object.fromEntries(
    Object.entries(NODE_PROCESS_ENV).map(([name, value]) => [name, process.env[name] ?? value]),
  ),
}

/**
 * Extra Node flags for every node and host process, from DEPIN_TESTNET_NODE_FLAGS (space-separated):
 * profiling a run, e.g. `--cpu-prof --cpu-prof-dir=DIR --cpu-prof-interval 5000`, which Node refuses
 * in NODE_OPTIONS and which the processes would not inherit from the CLI's own flags.
 */
const EXTRA_NODE_FLAGS: readonly string[] = (process.env.DEPIN_TESTNET_NODE_FLAGS ?? '')
  .split(' ')
  .filter(Boolean)

export interface ChannelHandlers {
  onMessage(message: ChildMessage): void
  /** The node ended (its process exited, or its host reported it gone); `detail` says how. */
  onExit(detail: string): void
}

/** One running node as the parent reaches it. */
export interface NodeChannel {
  send(message: ParentMessage): void
  /** Ends the node at once (SIGKILL for a process); resolves when it is gone. */
  kill(): Promise<void>
  /** Asks for a clean stop; ends it at once after `timeoutMs`; resolves when it is gone. */
  stop(timeoutMs: number): Promise<void>
  readonly exited: boolean
}

/** A node alone in its process: what the fault scenarios kill. */
export function processChannel(childPath: URL, handlers: ChannelHandlers): NodeChannel {
  const proc = spawnNodeProcess<ParentMessage, ChildMessage>({
    script: childPath,
    execArgv: [...NODE_PROCESS_FLAGS, ...EXTRA_NODE_FLAGS],
    serialization: 'advanced',
    env: CHILD_ENV,
  })
  proc.onMessage((message) => handlers.onMessage(message))
  void proc.exited.then(() => handlers.onExit(proc.describeExit()))
  return {
    send: (message) => proc.send(message),
    get exited() {
      return !proc.running
    },
    kill: () => proc.kill(),
    stop: (timeoutMs) => proc.stop({ message: { type: 'stop' }, timeoutMs }),
  }
}

interface Host {
  proc: NodeProcess<HostParentMessage, HostChildMessage>
  nodes: Map<string, ChannelHandlers & { exited: boolean; gone: () => void }>
}

/**
 * Host processes, each running its nodes in `threads` worker threads (`nodesPerThread` per thread
 * at most). A node goes to the host `slot % hosts`; hosts start on first use.
 */
export class HostPool {
  private readonly hosts: Array<Host | undefined>
  private nextKey = 0

  constructor(
    private readonly hostPath: URL,
    count: number,
    private readonly nodesPerThread: number,
    private readonly threads: number,
  ) {
    this.hosts = Array.from({ length: Math.max(1, count) }, () => undefined)
  }

  get size(): number {
    return this.hosts.length
  }

  open(slot: number, handlers: ChannelHandlers): NodeChannel {
    const host = this.host(slot % this.hosts.length)
    const key = String(this.nextKey++)
    let resolveGone = (): void => {}
    const gone = new Promise<void>((resolve) => {
      resolveGone = resolve
    })
    const entry = { ...handlers, exited: false, gone: resolveGone }
    host.nodes.set(key, entry)
    const post = (message: HostParentMessage): void => host.proc.send(message)
    return {
      send: (message) => post({ type: 'to-node', key, message }),
      get exited() {
        return entry.exited
      },
      async kill() {
        if (!entry.exited) post({ type: 'kill-node', key })
        await gone
      },
      async stop(timeoutMs) {
        if (entry.exited) return
        post({ type: 'to-node', key, message: { type: 'stop' } })
        // A node that does not stop in time: its host is told to end it at once.
        const timer = setTimeout(() => post({ type: 'kill-node', key }), timeoutMs)
        await gone
        clearTimeout(timer)
      },
    }
  }

  private host(index: number): Host {
    const existing = this.hosts[index]
    if (existing !== undefined) return existing
    const proc = spawnNodeProcess<HostParentMessage, HostChildMessage>({
      script: this.hostPath,
      args: [String(this.nodesPerThread), String(this.threads)],
      // --expose-gc for its workers' one compaction after their nodes start (heap-compaction.ts).
      // --no-memory-reducer: V8's memory reducer starts full GCs in an isolate whose allocation
      // rate fell, which an idle thread of many nodes (allocating a little all the time) kept
      // doing: 100 idle nodes in one thread, 1.69 / 1.58 / 1.49 → 1.11 / 1.24 / 1.32 ms/s of CPU
      // per node for 13.6 / 13.4 → 14.9 / 15.6 MB of RSS (bench/results/testnet-idle-memory-reducer-2026-12-07.log).
      // DEPIN_TESTNET_NODE_FLAGS=--memory-reducer turns it back on (the later flag wins).
      // --heap-growing-percent=50: after each full GC V8 lets an isolate's old space grow to 1.5x what
      // survived instead of up to 4x (its factor for a fast collector and a large heap limit). A
      // thread of 100 nodes keeps ~2 MB per node alive, so the default left ~6 MB per node of room:
      // 250 idle nodes, peak 17.1 / 17.6 -> 14.0 MB of RSS per node, idle CPU 1.47 / 1.31 -> 1.23 ms/s
      // per node (bench/results/testnet-heap-growing-2026-12-07.log). A later
      // --heap-growing-percent=0 in DEPIN_TESTNET_NODE_FLAGS gives V8's own factor back.
      execArgv: ['--expose-gc', '--no-memory-reducer', '--heap-growing-percent=50', ...EXTRA_NODE_FLAGS],
      serialization: 'advanced',
      env: CHILD_ENV,
    })
    const host: Host = { proc, nodes: new Map() }
    const ended = (key: string, detail: string): void => {
      const node = host.nodes.get(key)
      if (node === undefined) return
      host.nodes.delete(key)
      node.exited = true
      node.onExit(detail)
      node.gone()
    }
    proc.onMessage((message) => {
      if (message.type === 'from-node') host.nodes.get(message.key)?.onMessage(message.message)
      else if (message.type === 'node-exit') ended(message.key, String(message.code))
    })
    void proc.exited.then(() => {
      for (const key of [...host.nodes.keys()]) ended(key, `host process ${proc.describeExit()}`)
      this.hosts[index] = undefined
    })
    this.hosts[index] = host
    return host
  }

  /** Ends every host process (after its nodes stopped: call each channel's stop first). */
  async close(timeoutMs: number): Promise<void> {
    // No stop message: closing its IPC channel ends a host (it stops its nodes, then exits).
    await Promise.all(this.hosts.map((host) => host?.proc.stop({ timeoutMs })))
  }
}
