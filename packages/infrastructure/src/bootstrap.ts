import { type BootstrapNode, bootstrapNodeToMultiaddrs } from '@depin/identity'
import type { Logger } from '@depin/logger'
import { type CountsOf, counter } from '@depin/metrics-schema'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { raceSignal } from 'race-signal'
import { timeoutSignal } from './abort.js'

/** What the bootstrap dials count, part of the node's metrics. */
export const BOOTSTRAP_METRICS = {
  /** Dials of one bootstrap node (QUIC, then TCP) started. */
  bootstrapAttempts: counter('node_bootstrap_attempts_total', 'Dials of one bootstrap node started.'),
  /** Bootstrap node dials that connected and became usable. */
  bootstrapSuccesses: counter('node_bootstrap_successes_total', 'Bootstrap node dials that connected.'),
  /** Bootstrap node dials that failed (or were refused right after the handshake) on every transport. */
  bootstrapFailures: counter(
    'node_bootstrap_failures_total',
    'Bootstrap node dials that failed on every transport.',
  ),
}

/** Peer store tag on bootstrap peers: the highest value, so connection pruning closes them last. */
export const BOOTSTRAP_TAG = 'depin-bootstrap'

export interface BootstrapDialerInit {
  libp2p: Libp2p
  /** Resolves true once a new connection is usable, false if the remote closes it first (a refusal). */
  whenUsable(connection: Connection, signal: AbortSignal): Promise<boolean>
  getBootstrapNodes: (options: { signal: AbortSignal }) => Promise<BootstrapNode[]>
  transports: { quic: boolean; tcp: boolean }
  dialTimeoutMs: number
  /** Time allowed for one `getBootstrapNodes` call. */
  listTimeoutMs: number
  logger: Logger
  counters: CountsOf<typeof BOOTSTRAP_METRICS>
}

/** The outcome of one bootstrap round. */
export interface BootstrapRound {
  /** Bootstrap nodes in the list (valid, not ourselves). */
  nodes: number
  /** Of those, how many are connected after the round. */
  connected: number
}

/**
 * One bootstrap round: reads the list, skips ourselves and malformed entries, and dials every node
 * at once, each QUIC first then TCP with `dialTimeoutMs` per attempt (the Go implementation's
 * `bootstrapNetwork`). Never throws except on abort; a failing list read counts as zero nodes.
 */
export async function bootstrapRound(
  init: BootstrapDialerInit,
  signal: AbortSignal,
): Promise<BootstrapRound> {
  const { libp2p, logger } = init
  let list: BootstrapNode[]
  const reading = timeoutSignal(
    signal,
    init.listTimeoutMs,
    () => new Error(`getBootstrapNodes did not answer within ${init.listTimeoutMs} ms`),
  )
  try {
    // Raced against the signal: a registry call that ignores its signal must not hang the loop.
    list = await raceSignal(
      Promise.resolve(init.getBootstrapNodes({ signal: reading.signal })),
      reading.signal,
    )
  } catch (err) {
    signal.throwIfAborted()
    logger.warn('could not read the bootstrap node list', 'error', err)
    return { nodes: 0, connected: 0 }
  } finally {
    reading.clear()
  }
  if (!Array.isArray(list)) {
    logger.warn('getBootstrapNodes did not return an array; ignoring it', 'type', typeof list)
    return { nodes: 0, connected: 0 }
  }
  const self = libp2p.peerId.toString()
  const targets: { peerId: string; addrs: Multiaddr[] }[] = []
  for (const [index, node] of list.entries()) {
    let addrs: Multiaddr[]
    try {
      addrs = bootstrapNodeToMultiaddrs(node)
    } catch (err) {
      logger.warn('skipping a malformed bootstrap node', 'index', index, 'error', err)
      continue
    }
    const peerId = addrs[0]?.getComponents().findLast((c) => c.name === 'p2p')?.value
    if (peerId === undefined || peerId === self) continue
    const usable = addrs.filter((addr) => (isQuic(addr) ? init.transports.quic : init.transports.tcp))
    if (usable.length === 0) {
      logger.warn('skipping a bootstrap node that offers none of our transports', 'peer', peerId)
      continue
    }
    targets.push({ peerId, addrs: usable })
  }
  if (targets.length === 0) return { nodes: 0, connected: 0 }
  const results = await Promise.all(targets.map((target) => dialBootstrapNode(init, target, signal)))
  signal.throwIfAborted()
  return { nodes: targets.length, connected: results.filter(Boolean).length }
}

/**
 * Dials `target` and waits until the connection is usable, both within `dialTimeoutMs`. Throws on
 * a failed or timed-out dial, and when the remote closes the connection right after the handshake
 * (a QUIC handshake completes before the remote's gater judges us), the message saying which.
 */
export async function dialUsable(
  init: Pick<BootstrapDialerInit, 'libp2p' | 'whenUsable' | 'dialTimeoutMs'>,
  target: Multiaddr | PeerId,
  signal: AbortSignal,
): Promise<Connection> {
  const attempt = timeoutSignal(
    signal,
    init.dialTimeoutMs,
    () => new Error(`dial timed out after ${init.dialTimeoutMs} ms`),
  )
  try {
    const connection = await init.libp2p.dial(target, { signal: attempt.signal })
    if (!(await init.whenUsable(connection, attempt.signal))) {
      signal.throwIfAborted()
      throw new Error(
        attempt.signal.aborted
          ? `the connection did not become usable within ${init.dialTimeoutMs} ms`
          : 'the node closed the connection right after the handshake (its gater does not admit our wallet)',
      )
    }
    return connection
  } finally {
    attempt.clear()
  }
}

async function dialBootstrapNode(
  init: BootstrapDialerInit,
  target: { peerId: string; addrs: Multiaddr[] },
  signal: AbortSignal,
): Promise<boolean> {
  const { libp2p, logger, counters } = init
  counters.bootstrapAttempts++
  const errors: string[] = []
  for (const addr of target.addrs) {
    if (signal.aborted) return false
    const started = Date.now()
    try {
      const connection = await dialUsable(init, addr, signal)
      await tagBootstrapPeer(libp2p, connection.remotePeer)
      counters.bootstrapSuccesses++
      logger.info(
        'connected to bootstrap node',
        'peer',
        target.peerId,
        'addr',
        connection.remoteAddr.toString(),
        'transport',
        isQuic(connection.remoteAddr) ? 'quic' : 'tcp',
        'dialMs',
        Date.now() - started,
      )
      return true
    } catch (err) {
      errors.push(`${addr.toString()}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  counters.bootstrapFailures++
  if (!signal.aborted)
    logger.warn('could not connect to bootstrap node', 'peer', target.peerId, 'errors', errors)
  return false
}

async function tagBootstrapPeer(libp2p: Libp2p, peerId: PeerId): Promise<void> {
  try {
    await libp2p.peerStore.merge(peerId, { tags: { [BOOTSTRAP_TAG]: { value: 100 } } })
  } catch {
    // The peer store can be closing during stop(); the tag only affects pruning order.
  }
}

/** True for a `/quic-v1` address. */
export function isQuic(addr: Multiaddr): boolean {
  return addr.getComponents().some((c) => c.name === 'quic-v1' || c.name === 'quic')
}
