// Several nodes of one region in one process, inside the region's network namespace: started by the
// test process with `ip netns exec <ns> node regions-child.ts` and an IPC channel. Each node is its
// own @depin/pubsub connect() with its own wallet and address (one libp2p host each, as
// apps/testnet runs many per process). It records every probe it receives, publishes on request
// (stamping the probe with its clock right before publish()), and reports each node's links.
// Run by Node 24 directly (type stripping): type-only imports of local files, no TS-only syntax.

import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { type BootstrapNode, bootstrapNodeToMultiaddrs, parseSecretKey } from '@depin/identity'
import { acquireNode, type NodeLease } from '@depin/infrastructure'
import { connect, type Database, type Logger } from '@depin/pubsub'
import { sendToParent, serveNodeProcess } from '@depin/test-utils/node-process-child'
import type {
  RegionChildConfig,
  RegionChildMessage,
  RegionNodeView,
  RegionParentMessage,
} from './regions-protocol.ts'

const STOP_TIMEOUT_MS = 8_000
const PROBE_TAG = 'region-probe'

/** One clock for every process on the machine, finer than Date.now(). */
const now = (): number => performance.timeOrigin + performance.now()

const send = (message: RegionChildMessage): void => sendToParent(message)

interface Hosted {
  db: Database
  lease: NodeLease
}

/**
 * With NETLAB_REGIONS_LOG_DIR set, each node writes its log (debug level) to
 * `<dir>/<first address>.log`, to find out why a run misbehaved; otherwise nodes log nothing.
 */
function nodeLogger(address: string): { logger?: Logger } {
  const dir = process.env.NETLAB_REGIONS_LOG_DIR
  if (dir === undefined || dir === '') return {}
  const stream = createWriteStream(join(dir, `${address.replaceAll(':', '_')}.log`), { flags: 'a' })
  const write =
    (level: string) =>
    (msg: string, ...kv: unknown[]): void => {
      const pairs = kv.map((v) => {
        if (v instanceof Error) return v.message
        if (typeof v === 'string') return v
        try {
          return JSON.stringify(v) ?? String(v)
        } catch {
          return String(v)
        }
      })
      stream.write(`${new Date().toISOString()} ${level} ${msg} ${pairs.join(' ')}\n`)
    }
  return {
    logger: { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') },
  }
}

const hosted: Hosted[] = []
let config: RegionChildConfig | undefined

async function start(c: RegionChildConfig): Promise<void> {
  config = c
  const wallets = c.wallets
  for (const [index, node] of c.nodes.entries()) {
    const db = await connect({
      walletPrivateKey: node.secretKey,
      databaseName: c.databaseName,
      getAuthorizedWallets: async () => wallets,
      getBootstrapNodes: async () => c.bootstrap,
      announceAddresses: [`/ip6/${node.announceAddress}/udp/${c.quicPort}/quic-v1`],
      refreshIntervalMs: c.refreshIntervalMs,
      history: { catchUp: c.catchUp },
      ...nodeLogger(node.listenAddress),
      node: {
        libp2pLogs: false,
        ...c.node,
        ...node.node,
        transports: { quic: true, tcp: false },
        listenAddresses: [`/ip6/${node.listenAddress}/udp/${c.quicPort}/quic-v1`],
      },
    })
    // The facade hides libp2p; borrow the process's node of this wallet (ref counted) for its links.
    const lease = await acquireNode({
      identity: parseSecretKey(node.secretKey),
      getBootstrapNodes: async () => [],
    })
    hosted.push({ db, lease })
    await db.subscribe(c.topic, (event) => {
      const message = event.message as { tag?: unknown; key?: unknown; t?: unknown } | null
      if (message === null || typeof message !== 'object' || message.tag !== PROBE_TAG) return
      if (typeof message.key !== 'string' || typeof message.t !== 'number') return
      const at = now()
      send({
        type: 'delivered',
        delivery: { node: index, key: message.key, fromPeerId: event.fromPeerId, t: message.t, at },
      })
    })
  }
  send({ type: 'started', nodes: hosted.map(({ db }) => ({ peerId: db.peerId, wallet: db.wallet })) })
}

async function publish(id: number, node: number, key: string): Promise<void> {
  try {
    const target = hosted[node]
    if (target === undefined || config === undefined) throw new Error(`no node ${node}`)
    const t = now()
    await target.db.publish(config.topic, { tag: PROBE_TAG, key, t }, { throwOnNoPeers: false })
    send({ type: 'published', id, t })
  } catch (err) {
    send({ type: 'published', id, error: err instanceof Error ? err.message : String(err) })
  }
}

/** Dials peers from given nodes (what discovery would have found), all at once; counts failures. */
async function dial(
  id: number,
  dials: Array<{ node: number; peers: BootstrapNode[] }>,
  timeoutMs: number,
): Promise<void> {
  const attempts = dials.flatMap(({ node, peers }) =>
    peers.map((peer) => {
      const target = hosted[node]
      if (target === undefined) return Promise.reject(new Error(`no node ${node}`))
      return target.lease.node.libp2p.dial(bootstrapNodeToMultiaddrs(peer), {
        signal: AbortSignal.timeout(timeoutMs),
      })
    }),
  )
  const results = await Promise.allSettled(attempts)
  send({ type: 'dialed', id, failed: results.filter((r) => r.status === 'rejected').length })
}

function inspect(id: number): void {
  const topic = config === undefined ? '' : `${config.databaseName}_${config.topic}`
  const nodes: RegionNodeView[] = hosted.map(({ db, lease }) => {
    const libp2p = lease.node.libp2p
    const metrics = lease.node.metrics()
    return {
      peerId: db.peerId,
      ready: db.isReady(),
      connections: libp2p
        .getConnections()
        .filter((connection) => connection.status === 'open')
        .map((connection) => ({
          peerId: connection.remotePeer.toString(),
          remoteAddr: connection.remoteAddr.toString(),
        })),
      meshPeers: meshPeers(libp2p.services.pubsub, topic),
      topicPeers: config === undefined ? 0 : db.topicPeers(config.topic).length,
      peering: metrics.peering,
      connectionCount: metrics.connections,
    }
  })
  send({ type: 'inspected', id, nodes })
}

/** GossipSub's mesh peers of a topic (a public method of its class, not of its interface). */
function meshPeers(pubsub: object, topic: string): string[] {
  const mesh = (pubsub as { getMeshPeers?: (topic: string) => string[] }).getMeshPeers
  return mesh === undefined ? [] : mesh.call(pubsub, topic).map(String)
}

serveNodeProcess<RegionParentMessage>({
  start: (message) => start(message.config),
  onMessage: (message) => {
    if (message.type === 'publish') void publish(message.id, message.node, message.key)
    else if (message.type === 'inspect') inspect(message.id)
    else void dial(message.id, message.dials, message.timeoutMs)
  },
  // Every node's disconnect, whichever fail.
  shutdown: () =>
    Promise.allSettled(hosted.map(({ db, lease }) => Promise.all([lease.release(), db.disconnect()]))),
  stopTimeoutMs: STOP_TIMEOUT_MS,
  ignoreSigint: true,
  describeFailure: (err) => (err instanceof Error ? (err.stack ?? err.message) : String(err)),
})
