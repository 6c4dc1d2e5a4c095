// How the testnet parent reaches a node: its own OS process (fork, IPC), or a slot in a host process
// that runs many nodes in worker threads (host.ts). Both look the same to the Network.

import { type ChildProcess, fork } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NODE_PROCESS_FLAGS } from '@depin/pubsub'
import type { ChildMessage, HostChildMessage, HostParentMessage, ParentMessage } from './protocol.js'

/**
 * Node processes share V8's compiled code through Node's on-disk compile cache: each would
 * otherwise compile the whole node (before it was one bundled file, ~1,000 modules: about 1.6 s of
 * CPU per process with 25 nodes starting at once on 2 cores). A cache the user set
 * (NODE_COMPILE_CACHE) is kept.
 */
const CHILD_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'depin-testnet-compile-cache'),
}

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

/** A child with an IPC channel; `exitDetail` says how it ended, with the tail of its stderr. */
function forkNode(
  path: URL,
  args: string[],
  execArgv: string[],
): { child: ChildProcess; exitDetail(code: number | null, signal: string | null): string } {
  const child = fork(path, args, {
    execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
    env: CHILD_ENV,
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000)
  })
  return {
    child,
    exitDetail(code, signal) {
      const tail = stderr.trim() === '' ? '' : `: ${stderr.trim().split('\n').slice(-3).join(' | ')}`
      return `${signal ?? code}${tail}`
    },
  }
}

/** A node alone in its process: what the fault scenarios kill. */
export function processChannel(childPath: URL, handlers: ChannelHandlers): NodeChannel {
  const { child, exitDetail } = forkNode(childPath, [], [...NODE_PROCESS_FLAGS])
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.on('message', (message: ChildMessage) => handlers.onMessage(message))
  child.once('exit', (code, signal) => handlers.onExit(exitDetail(code, signal)))
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null
  const send = (message: ParentMessage): void => {
    if (child.connected) child.send(message, (err) => err && undefined)
  }
  return {
    send,
    get exited() {
      return exited()
    },
    async kill() {
      if (!exited()) child.kill('SIGKILL')
      await gone
    },
    async stop(timeoutMs) {
      if (exited()) return
      send({ type: 'stop' })
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      await gone
      clearTimeout(timer)
    },
  }
}

interface Host {
  child: ChildProcess
  nodes: Map<string, ChannelHandlers & { exited: boolean; gone: () => void }>
}

/**
 * Host processes, each running its nodes in worker threads (`nodesPerThread` per thread). A node
 * goes to the host `slot % hosts`; hosts start on first use.
 */
export class HostPool {
  private readonly hosts: Array<Host | undefined>
  private nextKey = 0

  constructor(
    private readonly hostPath: URL,
    count: number,
    private readonly nodesPerThread: number,
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
    const post = (message: HostParentMessage): void => {
      if (host.child.connected) host.child.send(message, (err) => err && undefined)
    }
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
    const { child, exitDetail } = forkNode(this.hostPath, [String(this.nodesPerThread)], [])
    const host: Host = { child, nodes: new Map() }
    const ended = (key: string, detail: string): void => {
      const node = host.nodes.get(key)
      if (node === undefined) return
      host.nodes.delete(key)
      node.exited = true
      node.onExit(detail)
      node.gone()
    }
    child.on('message', (message: HostChildMessage) => {
      if (message.type === 'from-node') host.nodes.get(message.key)?.onMessage(message.message)
      else if (message.type === 'node-exit') ended(message.key, String(message.code))
    })
    child.once('exit', (code, signal) => {
      for (const key of [...host.nodes.keys()]) ended(key, `host process ${exitDetail(code, signal)}`)
      this.hosts[index] = undefined
    })
    this.hosts[index] = host
    return host
  }

  /** Ends every host process (after its nodes stopped: call each channel's stop first). */
  async close(timeoutMs: number): Promise<void> {
    await Promise.all(
      this.hosts.map(async (host) => {
        if (host === undefined) return
        const child = host.child
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        child.disconnect()
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
        await exited
        clearTimeout(timer)
      }),
    )
  }
}
