import type { BootstrapNode } from '@depin/identity'
import { spawnNodeProcess } from '@depin/test-utils/node-process'
import type {
  Delivery,
  RegionChildConfig,
  RegionChildMessage,
  RegionNodeView,
  RegionParentMessage,
} from './regions-protocol.js'

const CHILD_URL = new URL('./regions-child.ts', import.meta.url)
const STOP_TIMEOUT_MS = 10_000
const REQUEST_TIMEOUT_MS = 10_000
/** Time allowed for each first dial; the answer is awaited this long and REQUEST_TIMEOUT_MS more. */
const DIAL_TIMEOUT_MS = 10_000

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
  const proc = spawnNodeProcess<RegionParentMessage, RegionChildMessage>({
    script: CHILD_URL,
    wrapper: ['ip', 'netns', 'exec', namespace],
    env: { NODE_NO_WARNINGS: '1' },
  })
  const deliveries: Delivery[] = []
  proc.onMessage((message) => {
    if (message.type === 'delivered') deliveries.push(message.delivery)
  })
  proc.send({ type: 'start', config })
  let started: Extract<RegionChildMessage, { type: 'started' }>
  try {
    started = await proc.ready('started', {
      timeoutMs: options.startTimeoutMs,
      what: `${region}: ${config.nodes.length} nodes listening in ${namespace}`,
      failed: (m) => (m.type === 'failed' ? `region process failed: ${m.message}` : undefined),
    })
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new Error(`${region} (${namespace}) failed to start: ${reason}\n${proc.stderr.join('\n')}`)
  }
  const request = <T extends 'published' | 'dialed' | 'inspected'>(
    type: T,
    build: (id: number) => RegionParentMessage,
    what: string,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<Extract<RegionChildMessage, { type: T }>> =>
    proc.request(type, build, { timeoutMs, what: `${region}: no answer to ${what}` })
  return {
    region,
    pid: proc.pid,
    nodes: started.nodes,
    get running() {
      return proc.running
    },
    stderr: proc.stderr,
    async publish(node, key) {
      const answer = await request(
        'published',
        (id) => ({ type: 'publish', id, node, key }),
        `publish ${key}`,
      )
      if (answer.error !== undefined || answer.t === undefined) {
        throw new Error(`${region}: publish ${key} failed: ${answer.error}`)
      }
      return answer.t
    },
    async dial(dials) {
      // The child answers once its slowest dial settled: a dial that runs to its timeout must not
      // outlast the wait for the answer (both were 10 s, and a loaded run lost that race).
      const build = (id: number): RegionParentMessage => ({
        type: 'dial',
        id,
        dials,
        timeoutMs: DIAL_TIMEOUT_MS,
      })
      return (await request('dialed', build, 'dial', DIAL_TIMEOUT_MS + REQUEST_TIMEOUT_MS)).failed
    },
    async inspect() {
      return (await request('inspected', (id) => ({ type: 'inspect', id }), 'inspect')).nodes
    },
    deliveries,
    stop: () => proc.stop({ message: { type: 'stop' }, timeoutMs: STOP_TIMEOUT_MS }),
    kill: () => proc.kill(),
  }
}
