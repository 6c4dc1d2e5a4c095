// One node inside a network namespace: started by the test process with
// `ip netns exec <ns> node child.ts` and an IPC channel. It joins the database through
// @depin/pubsub's connect(), asks the parent for the registry and the bootstrap list, and reports
// readiness, received events, connections and its own addresses.
// Run by Node 24 directly (type stripping): type-only imports of local files, no TS-only syntax.

import { parseSecretKey } from '@depin/identity'
import { acquireNode } from '@depin/infrastructure'
import { type BootstrapNode, connect, type Database } from '@depin/pubsub'
import { createAsker, sendToParent, serveNodeProcess } from '@depin/test-utils/node-process-child'
import type { ChildConfig, ChildMessage, ConnectionInfo, ParentMessage } from './protocol.ts'

const STOP_TIMEOUT_MS = 5_000

const send = (message: ChildMessage): void => sendToParent(message)
/** Asks the parent (the registry owner), bounded by a timeout and the caller's signal. */
const asker = createAsker<'wallets' | 'bootstrap'>(send)

let db: Database | undefined
let release: (() => Promise<void>) | undefined
let config: ChildConfig | undefined

async function start(c: ChildConfig): Promise<void> {
  config = c
  const host = c.listenHost
  const family = host.includes(':') ? 'ip6' : 'ip4'
  const listenAddresses: string[] = []
  if (c.transports.quic) listenAddresses.push(`/${family}/${host}/udp/${c.listenPorts.quic}/quic-v1`)
  if (c.transports.tcp) listenAddresses.push(`/${family}/${host}/tcp/${c.listenPorts.tcp}`)
  if (c.relayClient) listenAddresses.push('/p2p-circuit')
  const database = await connect({
    walletPrivateKey: c.secretKey,
    databaseName: c.databaseName,
    getAuthorizedWallets: ({ signal }) => asker.ask<string[]>('wallets', signal),
    getBootstrapNodes: ({ signal }) => asker.ask<BootstrapNode[]>('bootstrap', signal),
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
      nat: { holePunchRetryMs: 5_000 },
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

serveNodeProcess<ParentMessage>({
  start: (message) => start(message.config),
  onMessage: (message) => {
    if (message.type === 'publish') void publish(message.id, message.message)
    else inspect(message.id)
  },
  asker,
  shutdown: () => Promise.all([release?.(), db?.disconnect()]),
  stopTimeoutMs: STOP_TIMEOUT_MS,
  ignoreSigint: true,
})
