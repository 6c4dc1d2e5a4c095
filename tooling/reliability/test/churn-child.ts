// One churn member in its own OS process, started by test/churn-process.ts with an IPC channel
// (one process per member, as a real deployment runs: 20 nodes in one process saturate the event
// loop of a 2-core machine, see README "Churn"). It joins the database through connect(), asks the
// parent (the registry owner) for the wallets and the bootstrap list, subscribes to the topic and
// reports readiness transitions and received events. Run by Node 24 directly (type stripping):
// no local imports, no TS-only syntax.

import { type BootstrapNode, connect, type Database, type Subscription } from '@depin/pubsub'
import {
  type AnswerMessage,
  type AskMessage,
  createAsker,
  type NodeLifeMessage,
  sendToParent,
  serveNodeProcess,
} from '@depin/test-utils/node-process-child'

/** What the parent sends. */
export type ChurnParentMessage =
  | {
      type: 'start'
      secretKey: string
      databaseName: string
      topic: string
      host: string
      ports: { quic: number; tcp: number }
      /** Catch up from this time (a restart: the time of the last event the previous process got). */
      catchUpSinceMs?: number
      /** Automatic catch-up on (the default) or off (to measure delivery without it). */
      catchUp: boolean
    }
  | AnswerMessage
  | { type: 'publish'; id: number; message: unknown }
  | { type: 'stop' }

/** What the child reports. */
/** The history figures a member reports, to tell why it still misses events. */
const HISTORY_FIGURES = [
  'syncs',
  'syncRetries',
  'catchUps',
  'requestsMade',
  'requestsFailed',
  'recovered',
  'duplicates',
  'rejectedTotal',
] as const
type HistoryFigures = Record<(typeof HISTORY_FIGURES)[number], number>

export type ChurnChildMessage =
  | { type: 'listening'; wallet: string; quicPort: number | undefined; tcpPort: number | undefined }
  | AskMessage<'wallets' | 'bootstrap'>
  | { type: 'readiness'; ready: boolean; at: number }
  /** An event, and the subscription's `resumeFrom()` as its handler returns (what an application stores). */
  | { type: 'event'; message: unknown; at: number; replayed: boolean; resumeFrom: number | undefined }
  | { type: 'published'; id: number; error?: string }
  | NodeLifeMessage
  /** Every second while running: connected peers and known subscribers of the topic. */
  | {
      type: 'status'
      /** Connected peers. */
      peers: number
      /** Peers GossipSub knows as subscribers of the topic. */
      topicPeers: number
      /** Open connections (a crashed peer's dead one counts until it times out). */
      connections: number
      /** GossipSub links the node repaired (see @depin/infrastructure `pubsubLinks`). */
      linkRepairs: number
      /** Connections the node closed because they stopped answering pings (`deadConnectionsClosed`). */
      deadConnectionsClosed: number
      /** Its subscription's `resumeFrom()`. */
      resumeFrom: number | undefined
      /** Live events its validator rejected. */
      rejected: number
      /** Its history's catch-up figures, to tell why a member still misses events. */
      history: HistoryFigures
    }

const STOP_TIMEOUT_MS = 5_000

const send = (message: ChurnChildMessage): void => sendToParent(message)
/** Asks the parent, bounded by a timeout and the caller's signal. */
const asker = createAsker<'wallets' | 'bootstrap'>(send)

let db: Database | undefined
let topic: string | undefined
let subscription: Subscription | undefined

async function start(c: Extract<ChurnParentMessage, { type: 'start' }>): Promise<void> {
  topic = c.topic
  const database = await connect({
    walletPrivateKey: c.secretKey,
    databaseName: c.databaseName,
    getAuthorizedWallets: ({ signal }) => asker.ask<string[]>('wallets', signal),
    getBootstrapNodes: ({ signal }) => asker.ask<BootstrapNode[]>('bootstrap', signal),
    listenHost: c.host,
    listenPorts: c.ports,
    // Short timings: churn and recovery must happen within a test's budget.
    node: {
      bootstrap: {
        dialTimeoutMs: 3_000,
        listTimeoutMs: 3_000,
        retryInitialDelayMs: 200,
        retryIntervalMs: 500,
      },
      rendezvous: { findIntervalMs: 10_000, advertiseIntervalMs: 60_000 },
      gossipsub: { heartbeatInterval: 500 },
    },
    // Anti-entropy every 2 s (30 s by default) so that the test's window sees it converge.
    history: { catchUp: c.catchUp, syncIntervalMs: c.catchUp ? 2_000 : 0 },
  })
  db = database
  database.addEventListener('ready', () => send({ type: 'readiness', ready: true, at: Date.now() }))
  database.addEventListener('not-ready', () => send({ type: 'readiness', ready: false, at: Date.now() }))
  subscription = await database.subscribe(
    c.topic,
    (event) =>
      send({
        type: 'event',
        message: event.message,
        at: Date.now(),
        replayed: event.replayed === true,
        resumeFrom: subscription?.resumeFrom(),
      }),
    c.catchUp && c.catchUpSinceMs !== undefined ? { catchUp: { sinceMs: c.catchUpSinceMs } } : {},
  )
  let quicPort: number | undefined
  let tcpPort: number | undefined
  for (const addr of database.multiaddrs()) {
    const quic = /^\/ip4\/[\d.]+\/udp\/(\d+)\/quic-v1/.exec(addr)
    const tcp = /^\/ip4\/[\d.]+\/tcp\/(\d+)/.exec(addr)
    if (quic?.[1] !== undefined) quicPort = Number(quic[1])
    if (tcp?.[1] !== undefined) tcpPort = Number(tcp[1])
  }
  send({ type: 'listening', wallet: database.wallet, quicPort, tcpPort })
  setInterval(() => {
    if (!lifecycle.stopping) {
      const { node, messaging } = database.metrics()
      send({
        type: 'status',
        peers: database.peers().length,
        topicPeers: database.topicPeers(c.topic).length,
        connections: node.connections,
        linkRepairs: node.pubsubLinkRepairs,
        deadConnectionsClosed: node.deadConnectionsClosed,
        resumeFrom: subscription?.resumeFrom(),
        history: Object.fromEntries(
          HISTORY_FIGURES.map((name) => [name, messaging.history[name]]),
        ) as HistoryFigures,
        rejected: messaging.rejectedTotal,
      })
    }
  }, 1_000).unref()
  if (database.isReady()) send({ type: 'readiness', ready: true, at: Date.now() })
}

async function publish(id: number, message: unknown): Promise<void> {
  try {
    if (db === undefined || topic === undefined) throw new Error('not started')
    await db.publish(topic, message, { throwOnNoPeers: false })
    send({ type: 'published', id })
  } catch (err) {
    send({ type: 'published', id, error: err instanceof Error ? err.message : String(err) })
  }
}

const lifecycle = serveNodeProcess<ChurnParentMessage>({
  start,
  onMessage: (message) => void publish(message.id, message.message),
  asker,
  shutdown: () => db?.disconnect(),
  stopTimeoutMs: STOP_TIMEOUT_MS,
})
