import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BootstrapNode } from '@depin/identity'
import { waitFor } from '@depin/test-utils'
import type {
  Delivery,
  RegionChildConfig,
  RegionChildMessage,
  RegionNodeView,
  RegionParentMessage,
} from './regions-protocol.js'

const CHILD_PATH = fileURLToPath(new URL('./regions-child.ts', import.meta.url))
const STOP_TIMEOUT_MS = 10_000
const REQUEST_TIMEOUT_MS = 10_000
const STDERR_LINES_KEPT = 40

/** A process running several nodes of one region, as the test sees it. */
export interface RegionProcess {
  readonly region: string
  readonly pid: number
  /** The nodes, in the order of the config: PeerId and wallet. */
  readonly nodes: ReadonlyArray<{ peerId: string; wallet: string }>
  readonly running: boolean
  /** Recent stderr lines (for failure messages). */
  readonly stderr: readonly string[]
  /** Node `node` publishes a probe with this key; resolves with its publish time (the probe's `t`). */
  publish(node: number, key: string): Promise<number>
  /** Nodes dial peers (wallet, address, QUIC port), all at once; resolves with how many dials failed. */
  dial(dials: Array<{ node: number; peers: BootstrapNode[] }>): Promise<number>
  /** Each node's links: connections (with remote addresses), mesh peers, peering metrics. */
  inspect(): Promise<RegionNodeView[]>
  /** Every probe received so far by the process's nodes, in arrival order. */
  readonly deliveries: readonly Delivery[]
  /** Graceful stop of every node, then SIGKILL if the process does not exit in time. Idempotent. */
  stop(): Promise<void>
  kill(): Promise<void>
}

/**
 * Starts `regions-child.ts` inside `namespace` (`ip netns exec` execs Node in place, so the IPC
 * channel and the pid are the process's) and resolves once every node listens.
 */
export async function spawnRegionProcess(
  region: string,
  namespace: string,
  config: RegionChildConfig,
  options: { startTimeoutMs: number },
): Promise<RegionProcess> {
  const child: ChildProcess = spawn('ip', ['netns', 'exec', namespace, process.execPath, CHILD_PATH], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  })
  const stderr: string[] = []
  let running = true
  let started: Array<{ peerId: string; wallet: string }> | undefined
  let failure: string | undefined
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false
      failure ??= `exited (${signal ?? code})`
      resolve()
    })
  })
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line.trim() === '') continue
      stderr.push(line)
      if (stderr.length > STDERR_LINES_KEPT) stderr.shift()
    }
  })
  let nextId = 0
  const deliveries: Delivery[] = []
  const pending = new Map<number, (message: RegionChildMessage) => void>()
  const sendToChild = (message: RegionParentMessage): void => {
    if (child.connected) child.send(message)
  }
  child.on('message', (message: RegionChildMessage) => {
    switch (message.type) {
      case 'started':
        started = message.nodes
        break
      case 'failed':
        failure = message.message
        break
      case 'delivered':
        deliveries.push(message.delivery)
        break
      case 'published':
      case 'dialed':
      case 'inspected':
        pending.get(message.id)?.(message)
        break
      case 'stopped':
        break
    }
  })
  child.once('spawn', () => sendToChild({ type: 'start', config }))

  const request = <T extends RegionChildMessage>(
    build: (id: number) => RegionParentMessage,
    what: string,
  ): Promise<T> => {
    const id = nextId++
    return new Promise<T>((resolve, reject) => {
      const timeout = setTimeout(() => {
        pending.delete(id)
        reject(new Error(`${region}: no answer to ${what} in ${REQUEST_TIMEOUT_MS} ms`))
      }, REQUEST_TIMEOUT_MS)
      pending.set(id, (message) => {
        clearTimeout(timeout)
        pending.delete(id)
        resolve(message as T)
      })
      sendToChild(build(id))
    })
  }

  let stopped: Promise<void> | undefined
  const kill = async (): Promise<void> => {
    if (running) child.kill('SIGKILL')
    await exited
  }
  const handle: RegionProcess = {
    region,
    pid: child.pid ?? -1,
    get nodes() {
      return started ?? []
    },
    get running() {
      return running
    },
    stderr,
    async publish(node, key) {
      const answer = await request<Extract<RegionChildMessage, { type: 'published' }>>(
        (id) => ({ type: 'publish', id, node, key }),
        `publish ${key}`,
      )
      if (answer.error !== undefined || answer.t === undefined) {
        throw new Error(`${region}: publish ${key} failed: ${answer.error}`)
      }
      return answer.t
    },
    async dial(dials) {
      const answer = await request<Extract<RegionChildMessage, { type: 'dialed' }>>(
        (id) => ({ type: 'dial', id, dials }),
        'dial',
      )
      return answer.failed
    },
    async inspect() {
      const answer = await request<Extract<RegionChildMessage, { type: 'inspected' }>>(
        (id) => ({ type: 'inspect', id }),
        'inspect',
      )
      return answer.nodes
    },
    deliveries,
    stop() {
      stopped ??= (async () => {
        if (!running) return
        sendToChild({ type: 'stop' })
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
        await exited
        clearTimeout(timer)
      })()
      return stopped
    },
    kill,
  }
  try {
    await waitFor(() => started !== undefined || !running || failure !== undefined, {
      timeoutMs: options.startTimeoutMs,
      intervalMs: 25,
      message: `${region}: ${config.nodes.length} nodes listening in ${namespace}`,
    })
    if (started === undefined) throw new Error(`region process failed: ${failure}`)
  } catch (err) {
    await kill()
    const reason = err instanceof Error ? err.message : String(err)
    throw new Error(`${region} (${namespace}) failed to start: ${reason}\n${stderr.join('\n')}`)
  }
  return handle
}
