import { type Logger, noopLogger } from '@depin/logger'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import type { Connection, PeerId } from '@libp2p/interface'
import type { PeerExchangeDial } from './peer-exchange.js'

/**
 * The @libp2p/gossipsub version whose implementation class this adapter was checked against. The
 * members it reads are not in the package's published `GossipSub` interface, so a new version may
 * rename or drop them without notice: `test/gossipsub-internals.test.ts` fails when the pinned
 * version lacks one, or when the pin moves past this version.
 * The upstream fix that makes the stream reopen unnecessary: upstream/gossipsub-reopen-stream (upstream/README.md).
 */
export const GOSSIPSUB_INTERNALS_CHECKED_VERSION = '17.1.1'

/**
 * A member of GossipSub's implementation class that @depin reads or calls (a dotted path for
 * nested ones), with the shape it must have and what degrades when it is missing.
 */
export const GOSSIPSUB_MEMBERS = Object.freeze({
  streamsOutbound: {
    expected: 'Map<PeerId string, OutboundStream>',
    effect: 'the link check cannot see a missing outbound stream; waitForTopicPeers counts unreachable peers',
  },
  streamsInbound: {
    expected: 'Map<PeerId string, InboundStream>',
    effect: 'the link check cannot see a missing inbound stream',
  },
  createOutboundStream: {
    expected: '(peerId, connection) => Promise<void>',
    effect: 'the link check reopens a stream through the GossipSub queue (onPeerConnected) or reconnects',
  },
  onPeerConnected: {
    expected: '(peerId, connection) => void',
    effect: 'the link check reconnects a peer whose stream it cannot reopen',
  },
  pxConnect: {
    expected: '(peers: RPC.PeerInfo[]) => Promise<void>',
    effect: 'peer exchange dials every peer a PRUNE offers, however many peers the node already has',
  },
  mesh: {
    expected: 'Map<topic, Set<PeerId string>>',
    effect: 'the connection trimmer may close mesh peers to make room for connections in their grace period',
  },
  'score.params.topics': {
    expected: 'Record<topic, TopicScoreParams>',
    effect: 'invalid events do not lower the GossipSub score of their sender',
  },
  'opts.scoreThresholds.graylistThreshold': {
    expected: 'number',
    effect:
      'the invalid-event weight is scaled to the GossipSub default graylist threshold (-80), not to the node threshold',
  },
} as const)

/** A member of GossipSub's implementation class that @depin relies on (see {@link GOSSIPSUB_MEMBERS}). */
export type GossipSubMember = keyof typeof GOSSIPSUB_MEMBERS

/** How the members look from outside the class: anything, until checked. */
interface Implementation {
  streamsOutbound?: unknown
  streamsInbound?: unknown
  createOutboundStream?: unknown
  onPeerConnected?: unknown
  pxConnect?: unknown
  mesh?: unknown
  score?: { params?: { topics?: unknown } }
  opts?: { scoreThresholds?: { graylistThreshold?: unknown } }
}

type PeerConnectionMethod<R> = (peerId: PeerId, connection: Connection) => R

const isRecord = (value: unknown): value is Record<string, TopicScoreParams> =>
  typeof value === 'object' && value !== null

/** Each member, read from the instance now; undefined when it is absent or has another shape. */
const READERS = {
  streamsOutbound: (g: Implementation) => (g.streamsOutbound instanceof Map ? g.streamsOutbound : undefined),
  streamsInbound: (g: Implementation) => (g.streamsInbound instanceof Map ? g.streamsInbound : undefined),
  createOutboundStream: (g: Implementation) =>
    typeof g.createOutboundStream === 'function'
      ? (g.createOutboundStream as PeerConnectionMethod<Promise<void>>)
      : undefined,
  onPeerConnected: (g: Implementation) =>
    typeof g.onPeerConnected === 'function' ? (g.onPeerConnected as PeerConnectionMethod<void>) : undefined,
  pxConnect: (g: Implementation) =>
    typeof g.pxConnect === 'function' ? (g.pxConnect as PeerExchangeDial) : undefined,
  mesh: (g: Implementation) => (g.mesh instanceof Map ? (g.mesh as Map<string, Set<string>>) : undefined),
  'score.params.topics': (g: Implementation) =>
    isRecord(g.score?.params?.topics) ? g.score.params.topics : undefined,
  'opts.scoreThresholds.graylistThreshold': (g: Implementation) => {
    const value = g.opts?.scoreThresholds?.graylistThreshold
    return typeof value === 'number' ? value : undefined
  },
} satisfies Record<GossipSubMember, (g: Implementation) => unknown>

/** The members `pubsub` lacks (or has with another shape); empty for the version this was checked against. */
export function missingGossipSubMembers(pubsub: object): GossipSubMember[] {
  return (Object.keys(READERS) as GossipSubMember[]).filter((name) => READERS[name](pubsub) === undefined)
}

/**
 * Typed access to what @depin reads or calls on a GossipSub instance beyond its published
 * interface. Each accessor answers undefined (or false) when its member is missing, after logging
 * an error once per member naming it, its expected shape and what degrades; callers then do what
 * they did before the member existed.
 */
export interface GossipSubInternals {
  /** Whether GossipSub holds an outbound stream to the peer (what `publish` sends on). */
  hasOutboundStream(peerId: string): boolean | undefined
  /** Whether GossipSub holds an inbound stream from the peer (what carries its subscriptions and events). */
  hasInboundStream(peerId: string): boolean | undefined
  /**
   * Opens GossipSub's outbound stream to a peer it knows on `connection` now, bypassing its queue
   * (one opening per peer with our patch; one for every peer upstream); resolves at once when the
   * stream exists (GossipSub logs and swallows a failed open). Undefined when GossipSub has no such
   * method.
   */
  openOutboundStream(peerId: PeerId, connection: Connection): Promise<void> | undefined
  /** Hands the peer to GossipSub's topology handler, which queues the same open; false when absent. */
  queueOutboundStream(peerId: PeerId, connection: Connection): boolean
  /**
   * Puts `wrap` around GossipSub's peer exchange dial (what a PRUNE's offered peers go to); returns
   * the undo, or undefined when GossipSub has no such method.
   */
  wrapPeerExchange(wrap: (dial: PeerExchangeDial) => PeerExchangeDial): (() => void) | undefined
  /** The peers in any of the node's topic meshes, as strings (undefined when GossipSub has no `mesh`). */
  meshPeers(): ReadonlySet<string> | undefined
  /**
   * GossipSub's live topic score parameters, read on every scoring event (so a topic added here at
   * run time is scored from then on).
   */
  topicScoreParams(): Record<string, TopicScoreParams> | undefined
  /** The graylist threshold GossipSub runs with. */
  graylistThreshold(): number | undefined
}

/**
 * The adapter over one GossipSub instance (the `@libp2p/gossipsub` service of a libp2p node).
 *
 * @example
 * const internals = gossipSubInternals(node.libp2p.services.pubsub, logger)
 * const reachable = subscribers.filter((peer) => internals.hasOutboundStream(peer.toString()) !== false)
 */
export function gossipSubInternals(pubsub: object, logger: Logger = noopLogger): GossipSubInternals {
  const reported = new Set<GossipSubMember>()
  const read = <M extends GossipSubMember>(name: M): ReturnType<(typeof READERS)[M]> | undefined => {
    const value = READERS[name](pubsub) as ReturnType<(typeof READERS)[M]> | undefined
    if (value === undefined && !reported.has(name)) {
      reported.add(name)
      logger.error(
        '@libp2p/gossipsub lacks a member @depin reads; check gossipsub-internals.ts against the installed version',
        'member',
        name,
        'expected',
        GOSSIPSUB_MEMBERS[name].expected,
        'effect',
        GOSSIPSUB_MEMBERS[name].effect,
        'checkedWith',
        GOSSIPSUB_INTERNALS_CHECKED_VERSION,
      )
    }
    return value
  }
  return {
    hasOutboundStream: (peerId) => read('streamsOutbound')?.has(peerId),
    hasInboundStream: (peerId) => read('streamsInbound')?.has(peerId),
    openOutboundStream: (peerId, connection) =>
      read('createOutboundStream')?.call(pubsub, peerId, connection),
    queueOutboundStream: (peerId, connection) => {
      const method = read('onPeerConnected')
      method?.call(pubsub, peerId, connection)
      return method !== undefined
    },
    wrapPeerExchange: (wrap) => {
      const dial = read('pxConnect')
      if (dial === undefined) return undefined
      const target = pubsub as { pxConnect?: unknown }
      const own = Object.hasOwn(target, 'pxConnect') ? target.pxConnect : undefined
      target.pxConnect = wrap((offered) => dial.call(pubsub, offered))
      return () => {
        if (own === undefined) delete target.pxConnect
        else target.pxConnect = own
      }
    },
    meshPeers: () => {
      const mesh = read('mesh')
      if (mesh === undefined) return undefined
      const peers = new Set<string>()
      for (const members of mesh.values()) for (const peer of members) peers.add(peer)
      return peers
    },
    topicScoreParams: () => read('score.params.topics'),
    graylistThreshold: () => read('opts.scoreThresholds.graylistThreshold'),
  }
}
