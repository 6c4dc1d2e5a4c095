import { createRegistryGater, type PeerDeniedDetail } from '@depin/gater'
import { parseSecretKey } from '@depin/identity'
import { acquireNode, type PeerRefusedDetail, type PeerSuspendedDetail } from '@depin/infrastructure'
import { noopLogger } from '@depin/logger'
import { createMessaging } from '@depin/messaging'
import { TypedEventEmitter } from 'main-event'
import type { DatabaseConfig } from './config.js'
import type { Database, DatabaseEvents } from './database.js'
import { startRegistryWatch } from './registry-watch.js'
import { messagingOptionsOf, validateDatabaseConfig } from './validate-config.js'

/**
 * Joins a database: validates `config`, starts the database's registry gater, acquires the
 * process's shared node for the wallet (one per wallet, reference counted), and returns a
 * {@link Database}. Resolves once the node is listening, without waiting for a peer: use
 * `waitUntilReady()` or the `ready` event for that.
 *
 * Throws `InvalidConfigError` naming every bad field (the secret key is never echoed).
 *
 * @example
 * import { connect } from '@depin/pubsub'
 *
 * const db = await connect({
 *   walletPrivateKey: process.env.WALLET_KEY!,
 *   databaseName: 'my-depin',
 *   getAuthorizedWallets: async ({ signal }) => registry.wallets({ signal }),
 *   getBootstrapNodes: async ({ signal }) => registry.bootstrapNodes({ signal }),
 * })
 * await db.subscribe('rooms', (event) => console.log(event.fromPeerId, event.message))
 * await db.publish('rooms', { hello: 'world' })
 * await db.disconnect()
 */
export async function connect(config: DatabaseConfig): Promise<Database> {
  const c = validateDatabaseConfig(config)
  const logger = c.logger ?? noopLogger
  const identity = parseSecretKey(c.walletPrivateKey)
  const undo: Array<() => Promise<void>> = []
  const rollback = async (): Promise<void> => {
    for (const step of undo.reverse()) await step().catch(() => {})
  }
  try {
    const gater = createRegistryGater({
      getAuthorizedWallets: c.getAuthorizedWallets,
      logger,
      ...(c.refreshIntervalMs === undefined ? {} : { refreshIntervalMs: c.refreshIntervalMs }),
    })
    await gater.start()
    undo.push(() => gater.stop())
    if (c.watchRegistry !== undefined) {
      const stopWatch = startRegistryWatch(c.watchRegistry, gater, logger)
      undo.push(async () => stopWatch())
    }

    // One Prometheus registry per database; libp2p's own metrics join it when this call creates the node.
    // Loaded only when asked for: prom-client and node:http (whose ESM facade loads undici) cost a
    // node that serves no metrics ~25 ms of start-up and their memory.
    const prometheus = c.metricsServer === undefined ? undefined : await loadPrometheus()
    const { node, release } = await acquireNode({
      ...c.node,
      ...(prometheus === undefined
        ? {}
        : {
            metrics: prometheus.metrics.libp2pMetrics({
              registry: prometheus.registry,
              collectDefaultMetrics: c.metricsServer?.processMetrics ?? true,
            }),
          }),
      identity,
      getBootstrapNodes: c.getBootstrapNodes,
      logger,
      ...(c.listenPorts === undefined ? {} : { listenPorts: c.listenPorts }),
      ...(c.listenHost === undefined ? {} : { listenHost: c.listenHost }),
      ...(c.announceAddresses === undefined ? {} : { announceAddresses: c.announceAddresses }),
    })
    undo.push(release)

    const messaging = createMessaging({
      pubsub: node.libp2p.services.pubsub,
      peerId: node.peerId,
      databaseName: c.databaseName,
      isAuthorized: (peerId, options) => gater.isAuthorized(peerId, options),
      isAuthorizedCached: (peerId) => gater.isAuthorizedCached(peerId),
      accountability: node.accountability,
      libp2p: node.libp2p,
      privateKey: identity.privateKey,
      logger,
      ...messagingOptionsOf(c),
    })
    await messaging.start()
    undo.push(() => messaging.stop())

    const membership = await node.joinDatabase(c.databaseName, gater)
    undo.push(() => membership.leave())

    const events = new TypedEventEmitter<DatabaseEvents>()
    const forward = (event: CustomEvent<{ peers: number }>): void => {
      events.safeDispatchEvent(event.type as keyof DatabaseEvents, { detail: event.detail })
    }
    node.addEventListener('ready', forward)
    node.addEventListener('not-ready', forward)
    const forwardDenied = (event: CustomEvent<PeerDeniedDetail>): void => {
      events.safeDispatchEvent('peer:denied', { detail: event.detail })
    }
    node.gaters.addEventListener('peer:denied', forwardDenied)
    const forwardRefused = (event: CustomEvent<PeerRefusedDetail>): void => {
      events.safeDispatchEvent('peer:refused', { detail: event.detail })
    }
    node.addEventListener('peer:refused', forwardRefused)
    const forwardSuspended = (event: CustomEvent<PeerSuspendedDetail>): void => {
      events.safeDispatchEvent('peer:suspended', { detail: event.detail })
    }
    node.accountability.addEventListener('peer:suspended', forwardSuspended)
    const forwardMessaging = (event: Event): void => {
      events.dispatchEvent(new CustomEvent(event.type, { detail: (event as CustomEvent).detail }))
    }
    const messagingEvents = ['message:rejected', 'message:dropped', 'handler:error'] as const
    for (const type of messagingEvents) messaging.addEventListener(type, forwardMessaging)
    undo.push(async () => {
      node.removeEventListener('ready', forward)
      node.removeEventListener('not-ready', forward)
      node.gaters.removeEventListener('peer:denied', forwardDenied)
      node.removeEventListener('peer:refused', forwardRefused)
      node.accountability.removeEventListener('peer:suspended', forwardSuspended)
      for (const type of messagingEvents) messaging.removeEventListener(type, forwardMessaging)
    })

    let disconnecting: Promise<void> | undefined
    const metrics = (): ReturnType<Database['metrics']> => ({
      node: node.metrics(),
      gater: gater.metrics(),
      hostGater: node.gaters.metrics(),
      messaging: messaging.metrics(),
    })

    let metricsUrl: string | undefined
    if (prometheus !== undefined && c.metricsServer !== undefined) {
      const { createDepinCollector, fromFacadeMetrics, startMetricsServer } = prometheus.metrics
      const collector = createDepinCollector({
        registry: prometheus.registry,
        read: () => fromFacadeMetrics(c.databaseName, metrics()),
      })
      undo.push(async () => collector.remove())
      const server = await startMetricsServer({
        port: c.metricsServer.port,
        ...(c.metricsServer.host === undefined ? {} : { host: c.metricsServer.host }),
        registry: prometheus.registry,
        isReady: () => node.isReady(),
      })
      undo.push(() => server.close())
      metricsUrl = server.url
      logger.info('metrics server listening', 'url', metricsUrl, 'database', c.databaseName)
    }
    const database: Database = Object.assign(events, {
      peerId: identity.peerId.toString(),
      wallet: identity.wallet,
      databaseName: c.databaseName,
      subscribe: messaging.subscribe.bind(messaging),
      publish: messaging.publish.bind(messaging),
      leave: messaging.leave.bind(messaging),
      waitForTopicPeers: messaging.waitForTopicPeers.bind(messaging),
      topicPeers: messaging.topicPeers.bind(messaging),
      history: messaging.history.bind(messaging),
      isReady: () => node.isReady(),
      waitUntilReady: (options?: Parameters<Database['waitUntilReady']>[0]) => node.waitUntilReady(options),
      peers: () => [...node.peers().keys()],
      multiaddrs: () => node.libp2p.getMultiaddrs().map((addr) => addr.toString()),
      metrics,
      metricsUrl,
      disconnect: () => {
        disconnecting ??= rollback().then(() =>
          logger.info('database disconnected', 'database', c.databaseName),
        )
        return disconnecting
      },
    })
    logger.info('database connected', 'database', c.databaseName, 'peerId', database.peerId)
    return database
  } catch (err) {
    await rollback()
    throw err
  }
}

/** @depin/metrics and a fresh prom-client registry (one per database), loaded on demand. */
async function loadPrometheus(): Promise<{
  metrics: typeof import('@depin/metrics')
  registry: import('prom-client').Registry
}> {
  const [metrics, { Registry }] = await Promise.all([import('@depin/metrics'), import('prom-client')])
  return { metrics, registry: new Registry() }
}
