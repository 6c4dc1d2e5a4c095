import { DEFAULT_GRAYLIST_THRESHOLD, type GossipSubInternals } from '@depin/infrastructure'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'

/**
 * GossipSub topic score parameters for our topics. Only invalid messages (P4) are penalised and
 * delivering first (P2) and time in mesh (P1) earn a little; mesh delivery-rate penalties (P3)
 * are off, because application topics are quiet for long stretches and a quiet peer is not a bad
 * one. `invalidMessageDeliveriesWeight` here is a placeholder: unless overridden, it is scaled to
 * the node's graylist threshold (see {@link invalidMessageWeight}).
 *
 * @default see the values below
 */
export const DEFAULT_TOPIC_SCORE_PARAMS: TopicScoreParams = Object.freeze({
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1_000,
  timeInMeshCap: 300,
  firstMessageDeliveriesWeight: 0.5,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 20,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 1,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 5_000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  invalidMessageDeliveriesWeight: -1,
  // Per decay interval (1 s by default): an offence is half forgotten after about 70 s.
  invalidMessageDeliveriesDecay: 0.99,
})

/**
 * The P4 weight that graylists a peer at its `invalidMessagesToGraylist`-th invalid message on
 * one topic (counted before decay; P4 is `weight × count²`), whatever graylist threshold the node
 * runs with (libp2p's default is -80; @depin/infrastructure uses a much lower one so that a fresh
 * network never graylists itself; undefined when the instance does not say, see
 * `gossipSubInternals`). Fewer invalid messages lower the score without graylisting.
 */
export function invalidMessageWeight(
  graylistThreshold: number | undefined,
  invalidMessagesToGraylist: number,
): number {
  const graylist =
    graylistThreshold !== undefined && graylistThreshold < 0 ? graylistThreshold : DEFAULT_GRAYLIST_THRESHOLD
  // 1 % past the threshold so that exactly N offences cross it.
  return (graylist * 1.01) / (invalidMessagesToGraylist * invalidMessagesToGraylist)
}

/**
 * Installs topic score parameters on a running GossipSub instance. `@libp2p/gossipsub` reads
 * `score.params.topics[topic]` on every scoring event, so topics added at run time are scored
 * from then on. Returns false when the instance exposes no score parameters.
 * Parameters are never removed: GossipSub keeps per-peer topic stats that read them.
 */
export function installTopicScoreParams(
  internals: Pick<GossipSubInternals, 'topicScoreParams'>,
  topic: string,
  params: TopicScoreParams,
): boolean {
  const topics = internals.topicScoreParams()
  if (topics === undefined) return false
  if (topics[topic] === undefined) topics[topic] = { ...params }
  return true
}
