import { type CountsOf, counter, flag } from '@depin/metrics-schema'
import type { Connection, Libp2p } from '@libp2p/interface'
import { type BOOTSTRAP_METRICS, type BootstrapDialerInit, bootstrapRound } from './bootstrap.js'
import type { ResolvedNodeInit } from './config-resolve.js'
import { dialKnownPeers, KNOWN_PEERS_PER_ATTEMPT } from './known-peers.js'
import { createRetryLoop } from './retry-loop.js'

/** What the bootstrap retry loop counts, part of the node's metrics. */
export const RETRY_METRICS = {
  /** Times the retry loop was started (once per not-ready period at most). */
  retryLoopsStarted: counter('node_retry_loops_started_total', 'Bootstrap retry loops started.'),
  /** Retry loop iterations: each re-reads the bootstrap list and dials. */
  retryAttempts: counter('node_retry_attempts_total', 'Bootstrap retry loop iterations.'),
  /** The retry loop is running now. */
  retryLoopRunning: flag('node_retry_loop_running', '1 while the bootstrap retry loop runs.'),
  /** Former peers (from the peer store) the retry loop reconnected to. */
  retryKnownPeersConnected: counter(
    'node_retry_known_peers_connected_total',
    'Former peers the bootstrap retry loop reconnected to.',
  ),
}

export interface NodeBootstrapInit {
  config: ResolvedNodeInit
  libp2p: Libp2p
  /** Resolves true once a new connection is usable, false if the remote closes it first. */
  whenUsable(connection: Connection, signal: AbortSignal): Promise<boolean>
  isReady(): boolean
  /** The node's shutdown: aborts the initial round; nothing starts after it. */
  shutdown: AbortSignal
  counts: CountsOf<typeof BOOTSTRAP_METRICS> & CountsOf<typeof RETRY_METRICS>
}

/**
 * How a node reaches its bootstrap nodes: one round when the first database joins, then, while the
 * node is not ready, the retry loop (the Go implementation's `bootstrapNetwork` and its retry
 * process).
 */
export interface NodeBootstrap {
  /** The retry loop runs now. */
  readonly retrying: boolean
  /**
   * A database joined: the first call runs the initial round (then the retry loop if the node is
   * still not ready); later ones make a waiting retry loop try now, since a new gater may admit
   * peers the others refused.
   */
  joined(): void
  /** Makes a waiting retry loop try now instead of at the end of its delay. */
  wake(): void
  /** Starts the retry loop unless it runs or the node is shutting down (the node is not ready). */
  retry(): void
  /** Ends the retry loop and waits for the initial round. */
  stop(): Promise<void>
}

export function createNodeBootstrap(init: NodeBootstrapInit): NodeBootstrap {
  const { config, shutdown, counts } = init
  const { logger } = config
  const dialer = (): BootstrapDialerInit => ({
    libp2p: init.libp2p,
    whenUsable: init.whenUsable,
    getBootstrapNodes: config.getBootstrapNodes,
    transports: config.transports,
    dialTimeoutMs: config.bootstrap.dialTimeoutMs,
    listTimeoutMs: config.bootstrap.listTimeoutMs,
    logger,
    counters: counts,
  })
  const retryLoop = createRetryLoop({
    initialDelayMs: config.bootstrap.retryInitialDelayMs,
    intervalMs: config.bootstrap.retryIntervalMs,
    isReady: init.isReady,
    // Each attempt re-reads the list and dials it, and dials a few former peers beside it.
    attempt: async (signal) => {
      const [round, known] = await Promise.all([
        bootstrapRound(dialer(), signal),
        dialKnownPeers(dialer(), KNOWN_PEERS_PER_ATTEMPT, signal),
      ])
      counts.retryKnownPeersConnected += known
      if (known > 0) logger.info('reconnected to former peers', 'peers', known)
      if (round.nodes === 0) logger.debug('still no reachable bootstrap node in the list, will retry')
    },
    onAttempt: () => {
      counts.retryAttempts++
    },
    logger,
  })
  const retry = (): void => {
    if (shutdown.aborted) return
    if (retryLoop.start()) counts.retryLoopsStarted++
  }
  const runInitialRound = async (): Promise<void> => {
    try {
      const round = await bootstrapRound(dialer(), shutdown)
      if (shutdown.aborted) return
      if (round.nodes === 0) logger.info('no bootstrap nodes available, starting retry process')
      else if (round.connected === 0)
        logger.warn('initial bootstrap failed, starting retry process', 'nodes', round.nodes)
      else logger.info('initial bootstrap successful', 'connected', round.connected, 'nodes', round.nodes)
    } catch (err) {
      if (shutdown.aborted) return
      logger.warn('initial bootstrap failed, starting retry process', 'error', err)
    }
    if (!init.isReady()) retry()
  }
  let initialRound: Promise<void> | undefined

  return {
    get retrying() {
      return retryLoop.running
    },
    joined() {
      if (initialRound === undefined) initialRound = runInitialRound()
      else if (!init.isReady()) retryLoop.wake()
    },
    wake: () => retryLoop.wake(),
    retry,
    async stop() {
      await retryLoop.stop()
      await initialRound?.catch(() => {})
    },
  }
}
