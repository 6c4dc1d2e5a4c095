import { type GossipsubOpts, StrictSign } from '@libp2p/gossipsub'

/**
 * The GossipSub options every node starts from; `NodeInit.gossipsub` is merged over them
 * (`scoreParams` and `scoreThresholds` key by key).
 *
 * - StrictSign and the default message id (from + seqno), as go-libp2p-pubsub.
 * - `runOnLimitedConnection`: GossipSub also runs over relayed connections (relay v2 limits would
 *   otherwise leave a peer behind NAT without messages).
 * - `allowPublishToZeroTopicPeers`: publishing before the mesh forms is not an error.
 * - Peer exchange (PX) on, accepted from any peer with a non-negative score.
 * - Peer scoring stays on, with thresholds far below the libp2p defaults so that our own nodes,
 *   which all start at once (often from one IP in a datacenter), are never graylisted on startup.
 *   IP colocation is not penalised: many authorized nodes may share one address.
 */
export const GOSSIPSUB_DEFAULTS: Readonly<Partial<GossipsubOpts>> = Object.freeze({
  globalSignaturePolicy: StrictSign,
  runOnLimitedConnection: true,
  allowPublishToZeroTopicPeers: true,
  emitSelf: false,
  // Peer exchange on prune: one of the seed's discovery paths. Only registry-authorized peers get
  // past the gater, so PX from any of them (score >= 0) is accepted.
  doPX: true,
  scoreParams: {
    IPColocationFactorWeight: 0,
  },
  scoreThresholds: {
    gossipThreshold: -4_000,
    publishThreshold: -8_000,
    graylistThreshold: -16_000,
    acceptPXThreshold: 0,
    opportunisticGraftThreshold: 5,
  },
})

/** Merges user options over {@link GOSSIPSUB_DEFAULTS}; score params and thresholds merge key by key. */
export function gossipsubOptions(overrides: Partial<GossipsubOpts> = {}): Partial<GossipsubOpts> {
  return {
    ...GOSSIPSUB_DEFAULTS,
    ...overrides,
    scoreParams: { ...GOSSIPSUB_DEFAULTS.scoreParams, ...overrides.scoreParams },
    scoreThresholds: { ...GOSSIPSUB_DEFAULTS.scoreThresholds, ...overrides.scoreThresholds },
  }
}
