// One node inside a network namespace: started by the test process with
// `ip netns exec <ns> node child.ts` and an IPC channel. It joins the database through
// @depin/pubsub's connect(), asks the parent for the registry and the bootstrap list, and reports
// readiness, received events, connections and its own addresses.
// Run by Node 24 directly (type stripping): type-only imports of local files, no TS-only syntax.

import { parseSecretKey } from '@depin/identity'
import { acquireNode } from '@depin/infrastructure'
import { type BootstrapNode, connect, type Database } from '@depin/pubsub'
import type { ChildConfig, ChildMessage, ConnectionInfo, ParentMessage } from './protocol.ts'

const ASK_TIMEOUT_MS = 5_000
const STOP_TIMEOUT_MS = 5_000

function send(message: ChildMessage): void {
  if (process.connected) process.send?.(message)
}

let nextAsk = 0
const pendingAsks = new Map<number, (error: Error | undefined, value?: unknown) => void>()

/** Asks the parent (the registry owner), bounded by a timeout and the caller's signal. */
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
let release: (() => Promise<void>) | undefined
let stopping: Promise<void> | undefined
let config: ChildConfig | undefined

async function start(c: ChildConfig): Promise<void> {
  const host = c.listenHost
  const family = host.includes(':') ? 'ip6' : 'ip4'
  const listenAddresses: string[] = []
  if (c.transports.quic) listenAddresses.push(`/${family}/${host}/udp/${c.listenPorts.quic}/quic-v1`)
  if (c.transports.tcp) listenAddresses.push(`/${family}/${host}/tcp/${c.listenPorts.tcp}`)
  if (c.relayClient) listenAddresses.push('/p2p-circuit')
  const database = await connect({
    walletPrivateKey: c.secretKey,
    databaseName: c.databaseName,
    getAuthorizedWallets: ({ signal }) => ask<string[]>('wallets', signal),
    getBootstrapNodes: ({ signal }) => ask<BootstrapNode[]>('bootstrap', signal),
    listenHost: host,
    listenPorts: c.listenPorts,
    refreshIntervalMs: c.refreshIntervalMs,
    ...(c.announceAddresses.length > 0 ? { announceAddresses: c.announceAddresses } : {}),
    node: {
      transports: c.transports,
      listenAddresses,
      relay: { server: c.relayServer },
      // Short timings: faults must be seen and healed within seconds, not production minutes.
      bootstrap: {
        dialTimeoutMs: 3_000,
        listTimeoutMs: 3_000,
        retryInitialDelayMs: 200,
        retryIntervalMs: 500,
      },
      rendezvous: { findIntervalMs: 1_000 },
      quic: { maxIdleTimeoutMs: 3_000, keepAliveIntervalMs: 1_000 },
      // Off by default in @depin/infrastructure: @libp2p/autonat 3.0.28's server closes the
      // requester's existing connection after its dial-back (test/autonat.test.ts keeps it visible).
      autonat: { server: c.autonatServer },
      ...(c.portMapping === undefined ? {} : { portMapping: c.portMapping }),
    },
  })
  db = database
  // The facade hides libp2p; borrow the process's node (same wallet -> same node, ref counted).
  const lease = await acquireNode({
    identity: parseSecretKey(c.secretKey),
    getBootstrapNodes: async () => [],
  })
  release = lease.release
  const libp2p = lease.node.libp2p
  const connections = (): void => {
    const list: ConnectionInfo[] = libp2p.getConnections().map((connection) => ({
      peerId: connection.remotePeer.toString(),
      remoteAddr: connection.remoteAddr.toString(),
      direction: connection.direction,
      relayed: connection.remoteAddr.getComponents().some((component) => component.name === 'p2p-circuit'),
      limited: connection.limits !== undefined,
    }))
    send({ type: 'connections', connections: list, at: Date.now() })
  }
  const addresses = (): void => send({ type: 'addresses', multiaddrs: database.multiaddrs(), at: Date.now() })
  libp2p.addEventListener('connection:open', connections)
  if (process.env.NETLAB_TRACE_CLOSE) {
    libp2p.addEventListener('connection:open', (event) => {
      const connection = event.detail
      const close = connection.close.bind(connection)
      connection.close = (options) => {
        console.error(
          'libp2p:trace CLOSE',
          connection.remoteAddr.toString(),
          new Error().stack?.replaceAll('\n', ' | '),
        )
        return close(options)
      }
    })
  }
  libp2p.addEventListener('connection:close', connections)
  libp2p.addEventListener('self:peer:update', addresses)
  database.addEventListener('ready', (event) =>
    send({ type: 'readiness', ready: true, peers: event.detail.peers, at: Date.now() }),
  )
  database.addEventListener('not-ready', (event) =>
    send({ type: 'readiness', ready: false, peers: event.detail.peers, at: Date.now() }),
  )
  if (c.topic !== undefined) {
    await database.subscribe(c.topic, (event) =>
      send({
        type: 'event',
        eventId: event.id,
        fromPeerId: event.fromPeerId,
        message: event.message,
        replayed: event.replayed === true,
        at: Date.now(),
      }),
    )
  }
  send({
    type: 'listening',
    peerId: database.peerId,
    wallet: database.wallet,
    multiaddrs: database.multiaddrs(),
  })
  connections()
  if (database.isReady())
    send({ type: 'readiness', ready: true, peers: database.peers().length, at: Date.now() })
}

async function publish(id: number, message: unknown): Promise<void> {
  try {
    if (db === undefined || config?.topic === undefined) throw new Error('not started or no topic')
    await db.publish(config.topic, message, { throwOnNoPeers: false })
    send({ type: 'published', id })
  } catch (err) {
    send({ type: 'published', id, error: err instanceof Error ? err.message : String(err) })
  }
}

function inspect(id: number): void {
  try {
    if (db === undefined) throw new Error('not started')
    const topicPeers = config?.topic === undefined ? [] : db.topicPeers(config.topic)
    send({ type: 'inspected', id, snapshot: { metrics: db.metrics(), topicPeers } })
  } catch (err) {
    send({ type: 'inspected', id, error: err instanceof Error ? err.message : String(err) })
  }
}

/** Disconnects (bounded), then exits. */
function stop(code: number): Promise<void> {
  stopping ??= (async () => {
    const bounded = new Promise<void>((resolve) => setTimeout(resolve, STOP_TIMEOUT_MS).unref())
    await Promise.race([Promise.all([release?.(), db?.disconnect()]).catch(() => {}), bounded])
    send({ type: 'stopped' })
    process.disconnect?.()
    process.exit(code)
  })()
  return stopping
}

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'start':
      config = message.config
      start(message.config).catch((err: unknown) => {
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
    case 'inspect':
      inspect(message.id)
      break
    case 'stop':
      void stop(0)
      break
  }
})
process.on('SIGINT', () => {})
process.on('SIGTERM', () => void stop(0))
process.on('disconnect', () => void stop(0))
