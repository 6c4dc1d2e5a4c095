import { gossipSubInternals } from '@depin/infrastructure'
import { validateTopicScoreParams } from '@libp2p/gossipsub/score'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TOPIC_SCORE_PARAMS } from '../src/index.js'
import { installTopicScoreParams, invalidMessageWeight } from '../src/scoring.js'

describe('topic scoring', () => {
  it.each([-80, -16_000])(
    'graylists at the 10th invalid message with graylist threshold %d, not at the 9th',
    (threshold) => {
      const pubsub = { opts: { scoreThresholds: { graylistThreshold: threshold } } }
      const weight = invalidMessageWeight(gossipSubInternals(pubsub).graylistThreshold(), 10)
      expect(weight * 10 * 10).toBeLessThan(threshold)
      expect(weight * 9 * 9).toBeGreaterThan(threshold)
      // Four offences stay far above the graylist (and publish) thresholds.
      expect(weight * 4 * 4).toBeGreaterThan(threshold / 2)
    },
  )

  it('has valid default parameters and installs them once per topic at run time', () => {
    expect(() => validateTopicScoreParams({ ...DEFAULT_TOPIC_SCORE_PARAMS })).not.toThrow()
    const pubsub = { score: { params: { topics: {} as Record<string, unknown> } } }
    const internals = gossipSubInternals(pubsub)
    expect(installTopicScoreParams(internals, 'db_t', DEFAULT_TOPIC_SCORE_PARAMS)).toBe(true)
    const installed = pubsub.score.params.topics.db_t
    expect(installTopicScoreParams(internals, 'db_t', DEFAULT_TOPIC_SCORE_PARAMS)).toBe(true)
    expect(pubsub.score.params.topics.db_t).toBe(installed)
    expect(installTopicScoreParams(gossipSubInternals({}), 'db_t', DEFAULT_TOPIC_SCORE_PARAMS)).toBe(false)
  })
})
