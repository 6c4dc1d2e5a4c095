// One churn member in its own OS process, started by test/churn-process.ts with an IPC channel
// (one process per member, as a real deployment runs: 20 nodes in one process saturate the event
// loop of a 2-core machine, see README "Churn"). It joins the database through connect(), asks the
// parent (the registry owner) for the wallets and the bootstrap list, subscribes to the topic and
// reports readiness transitions and received events. Run by Node 24 directly (type stripping):
// no local imports, no TS-only syntax.

import { type BootstrapNode, connect, type Database } from '@depin/pubsub'

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
  | { type: 'answer'; id: number; value?: unknown; error?: string }
  | { type: 'publish'; id: number; message: unknown }
  | { type: 'stop' }

/** What the child reports. */
export type ChurnChildMessage =
  | { type: 'listening'; wallet: string; quicPort: number | undefined; tcpPort: number | undefined }
  | { type: 'ask'; id: number; what: 'wallets' | 'bootstrap' }
  | { type: 'readiness'; ready: boolean; at: number }
  | { type: 'event'; message: unknown; at: number; replayed: boolean }
  | { type: 'published'; id: number; error?: string }
  | { type: 'failed'; message: string }
  /** Every second while running: connected peers and known subscribers of the topic. */
  | { type: 'status'; peers: number; topicPeers: number; connections: number; linkRepairs: number }

const ASK_TIMEOUT_MS = 5_000
const STOP_TIMEOUT_MS = 5_000

function send(message: ChurnChildMessage): void {
  if (process.connected) process.send?.(message)
}

let nextAsk = 0
const pendingAsks = new Map<number, (error: Error | undefined, value?: unknown) => void>()

/** Asks the parent, bounded by a timeout and the caller's signal. */
function ask<T>(what: 'wallets' | 'bootstrap', signal: AbortSignal): Promise<T> {
  const id = nextAsk++
  return new Promise<T>((resolve, reject) => {
    const timeout = setTimeout(
      () => done(new Error(`registry (${what}) did not answer in ${ASK_TIMEOUT_MS} ms`)),
      ASK_TIMEOUT_MS,
    )
    const onAbort = (): void => done(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
    const done = (error: Error | undefined, value?: unknown): void => {
      clearTimeout(timeout)
      signal.removeEventListener('abort', onAbort)
      pendingAsks.delete(id)
      if (error === undefined) resolve(value as T)
      else reject(error)
    }
    pendingAsks.set(id, done)
    signal.addEventListener('abort', onAbort, { once: true })
    send({ type: 'ask', id, what })
  })
}

let db: Database | undefined
let topic: string | undefined
let stopping: Promise<void> | undefined

async function start(c: Extract<ChurnParentMessage, { type: 'start' }>): Promise<void> {
  topic = c.topic
  const database = await connect({
    walletPrivateKey: c.secretKey,
    databaseName: c.databaseName,
    getAuthorizedWallets: ({ signal }) => ask<string[]>('wallets', signal),
    getBootstrapNodes: ({ signal }) => ask<BootstrapNode[]>('bootstrap', signal),
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
  await database.subscribe(
    c.topic,
    (event) =>
      send({ type: 'event', message: event.message, at: Date.now(), replayed: event.replayed === true }),
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
    if (stopping === undefined) {
      const node = database.metrics().node
      send({
        type: 'status',
        peers: database.peers().length,
        topicPeers: database.topicPeers(c.topic).length,
        connections: node.connections,
        linkRepairs: node.pubsubLinkRepairs,
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

/** Disconnects (bounded), then exits. */
function stop(code: number): Promise<void> {
  stopping ??= (async () => {
    const bounded = new Promise<void>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref())
    await Promise.race([db?.disconnect().catch(() => {}), bounded])
    process.disconnect?.()
    process.exit(code)
  })()
  return stopping
}

process.on('message', (message: ChurnParentMessage) => {
  switch (message.type) {
    case 'start':
      start(message).catch((err: unknown) => {
        send({ type: 'failed', message: err instanceof Error ? err.message : String(err) })
        void stop(1)
      })
      break
    case 'answer':
      pendingAsks.get(message.id)?.(
        message.error === undefined ? undefined : new Error(message.error),
        message.value,
      )
      break
    case 'publish':
      void publish(message.id, message.message)
      break
    case 'stop':
      void stop(0)
      break
  }
})
process.on('SIGTERM', () => void stop(0))
process.on('disconnect', () => void stop(0))
