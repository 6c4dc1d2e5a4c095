import { type GossipsubOpts, StrictSign } from '@libp2p/gossipsub'
import type { RPC } from '@libp2p/gossipsub/message'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'

/**
 * GossipSub's duplicate check before validation: the raw `from` and `seqno` of a message, the two
 * fields its message id (StrictSign's default, from + seqno) is made of. Without it every copy of a
 * message (one per mesh peer, ~6) has its signature verified before it is found to be a duplicate:
 * Ed25519 verification was the largest single cost in profiles of a 25-node network on one machine.
 * GossipSub records a fast id only after the message passed validation, so a forged copy (same from
 * and seqno, bad signature) cannot shadow the genuine one. Missing fields (the message is invalid
 * under StrictSign and is rejected) give an id no valid message can have.
 */
export function fromSeqnoFastMsgId(msg: RPC.Message): string {
  if (msg.from === undefined || msg.seqno === undefined) return ''
  return `${uint8ArrayToString(msg.from, 'base64')}:${uint8ArrayToString(msg.seqno, 'base64')}`
}

/** GossipSub's heartbeat interval (its default, and go-libp2p-pubsub's). */
export const GOSSIPSUB_HEARTBEAT_MS = 1_000

/**
 * The GossipSub options every node starts from; `NodeInit.gossipsub` is merged over them
 * (`scoreParams` and `scoreThresholds` key by key).
 *
 * - StrictSign and the default message id (from + seqno), as go-libp2p-pubsub; duplicates are
 *   dropped on that id before their signature is checked ({@link fromSeqnoFastMsgId}).
 * - `runOnLimitedConnection`: GossipSub also runs over relayed connections (relay v2 limits would
 *   otherwise leave a peer behind NAT without messages).
 * - `allowPublishToZeroTopicPeers`: publishing before the mesh forms is not an error.
 * - Peer exchange (PX) on, accepted from any peer with a non-negative score.
 * - Peer scoring stays on, with thresholds far below the libp2p defaults so that our own nodes,
 *   which all start at once (often from one IP in a datacenter), are never graylisted on startup.
 *   IP colocation is not penalised: many authorized nodes may share one address. Behaviour
 *   penalties (broken IWANT promises, GRAFT during backoff) count from the 7th on.
 * - The heartbeat every second (GossipSub's and go-libp2p-pubsub's default), stated because the
 *   node's own once-a-second upkeep runs in its wake-ups (heartbeat-clock.ts).
 * - IDONTWANT (GossipSub 1.2) only for messages of 16 KiB or more (the library sends it from 512 B,
 *   go-libp2p-pubsub from 1 KiB): for a small event the IDONTWANT RPC costs about what the duplicate
 *   it spares costs (bench vs-go, 1 KiB events: -7% CPU per node, lower p99).
 * - Gossip (IHAVE) about a message in the one heartbeat after it arrived, not in three
 *   (`mcacheGossip: 1`; the library's and go-libp2p-pubsub's default is 3). Each heartbeat a node
 *   sends one IHAVE RPC to max(Dlazy, 0.25 × its non-mesh topic peers) peers, ~8 at 40 peers,
 *   whenever its gossip window holds a message id: with few events a second across a network, ~24
 *   RPCs per event per node with a window of 3, against the ~6 copies the mesh carries. The mesh
 *   already delivers; gossip repairs a gap, and one round still does (a peer missing a message asks
 *   with IWANT, answered from the cache's 5 heartbeats, as before), and the history's anti-entropy
 *   sync repairs what is left. The scale bench at 250 nodes, 1 event/s, two alternated pairs: CPU
 *   per delivery ×0.81 in both, busy CPU per node ×0.86-0.87, every event delivered
 *   (bench/results/scale-250-gossip-window-ab-2026-12-08.md); at 1000 nodes, 0.2 events/s: p99 4.4
 *   and 11.4 s in two runs, against 13.1-36.6 s in four runs with a window of 3.
 */
export const GOSSIPSUB_DEFAULTS: Readonly<Partial<GossipsubOpts>> = Object.freeze({
  globalSignaturePolicy: StrictSign,
  fastMsgIdFn: fromSeqnoFastMsgId,
  runOnLimitedConnection: true,
  allowPublishToZeroTopicPeers: true,
  emitSelf: false,
  idontwantMinDataSize: 16 * 1024,
  heartbeatInterval: GOSSIPSUB_HEARTBEAT_MS,
  mcacheGossip: 1,
  // Peer exchange on prune: one of the Go implementation's discovery paths. Only registry-authorized
  // peers get past the gater, so PX from any of them (score >= 0) is accepted.
  doPX: true,
  scoreParams: {
    IPColocationFactorWeight: 0,
    // Tolerate a few broken IWANT promises before they count (go-libp2p users such as Lotus run with
    // 6; the library default is 0): on a loaded machine a peer's answer misses the 3 s follow-up
    // window, one miss made its score negative and got it pruned from the mesh, and a 50-node testnet
    // on 2 cores lost the mesh links of its last-started nodes that way.
    behaviourPenaltyThreshold: 6,
  },
  scoreThresholds: {
    gossipThreshold: -4_000,
    publishThreshold: -8_000,
    graylistThreshold: -16_000,
    acceptPXThreshold: 0,
    opportunisticGraftThreshold: 5,
  },
})

/** GossipSub's own graylist threshold and P5 weight, for options that leave them unset. */
export const DEFAULT_GRAYLIST_THRESHOLD = -80
export const DEFAULT_APP_SPECIFIC_WEIGHT = 10

/**
 * Adds the accountability's penalties to GossipSub's application-specific score (P5), on top of a
 * user's own `appSpecificScore` if any: a peer that sends us its own invalid events loses score
 * there (see @depin/infrastructure's accountability), not through GossipSub's P4, which would also
 * hit every relay that forwarded a copy.
 */
export function withAppSpecificScore(
  options: Partial<GossipsubOpts>,
  accountability: { appSpecificScore(peerId: string): number },
): Partial<GossipsubOpts> {
  const own = options.scoreParams?.appSpecificScore
  const appSpecificScore =
    own === undefined
      ? (peerId: string) => accountability.appSpecificScore(peerId)
      : (peerId: string) => accountability.appSpecificScore(peerId) + own(peerId)
  return { ...options, scoreParams: { ...options.scoreParams, appSpecificScore } }
}

/** Merges user options over {@link GOSSIPSUB_DEFAULTS}; score params and thresholds merge key by key. */
export function gossipsubOptions(overrides: Partial<GossipsubOpts> = {}): Partial<GossipsubOpts> {
  return {
    ...GOSSIPSUB_DEFAULTS,
    ...overrides,
    scoreParams: { ...GOSSIPSUB_DEFAULTS.scoreParams, ...overrides.scoreParams },
    scoreThresholds: { ...GOSSIPSUB_DEFAULTS.scoreThresholds, ...overrides.scoreThresholds },
  }
}
