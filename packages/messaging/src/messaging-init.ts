import { type GossipSubInternals, gossipSubInternals, withDefaults } from '@depin/infrastructure'
import type { Logger } from '@depin/logger'
import {
  createTopicScoreParams,
  type TopicScoreParams,
  validateTopicScoreParams,
} from '@libp2p/gossipsub/score'
import { validateMessagingOptions } from './config.js'
import { DatabaseInUseError, InvalidConfigError } from './errors.js'
import type { MessagingInit } from './messaging-api.js'
import { MESSAGING_DEFAULTS, type ResolvedMessagingOptions } from './options.js'
import { DEFAULT_TOPIC_SCORE_PARAMS, invalidMessageWeight } from './scoring.js'

/** A {@link MessagingInit}, checked, with every default applied. */
export interface ResolvedMessagingInit {
  options: ResolvedMessagingOptions
  /** Installed for each of our topics. */
  scoreParams: TopicScoreParams
  /** The GossipSub members the published interface lacks. */
  internals: GossipSubInternals
}

/** Checks a messaging's init: throws {@link InvalidConfigError} listing every bad field. */
export function resolveMessagingInit(init: MessagingInit, log: Logger): ResolvedMessagingInit {
  const issues = validateMessagingOptions(init)
  if (typeof init.databaseName !== 'string' || init.databaseName.length === 0) {
    issues.unshift({ field: 'databaseName', message: 'must be a non-empty string' })
  }
  if (typeof init.isAuthorized !== 'function')
    issues.push({ field: 'isAuthorized', message: 'must be a function' })
  const pubsubUsable = init.pubsub != null && typeof init.pubsub.publish === 'function'
  if (!pubsubUsable) issues.push({ field: 'pubsub', message: 'must be a @libp2p/gossipsub instance' })
  const internals = pubsubUsable ? gossipSubInternals(init.pubsub, log) : undefined
  let scoreParams: TopicScoreParams | undefined
  try {
    scoreParams = createTopicScoreParams({
      ...DEFAULT_TOPIC_SCORE_PARAMS,
      invalidMessageDeliveriesWeight: invalidMessageWeight(
        internals?.graylistThreshold(),
        init.invalidMessagesToGraylist ?? MESSAGING_DEFAULTS.invalidMessagesToGraylist,
      ),
      ...init.topicScoreParams,
    })
    validateTopicScoreParams(scoreParams)
  } catch (err) {
    issues.push({ field: 'topicScoreParams', message: err instanceof Error ? err.message : 'invalid' })
  }
  if (init.libp2p !== undefined && typeof init.libp2p.handle !== 'function')
    issues.push({ field: 'libp2p', message: 'must be a libp2p node' })
  if (issues.length > 0 || scoreParams === undefined || internals === undefined)
    throw new InvalidConfigError(issues)
  return { options: withDefaults(MESSAGING_DEFAULTS, init), scoreParams, internals }
}

// One messaging per database per GossipSub instance: validators are keyed by topic string.
const openDatabases = new WeakMap<object, Set<string>>()

/** Marks the database open on this GossipSub; throws {@link DatabaseInUseError} when it already is. */
export function claimDatabase(pubsub: object, databaseName: string): void {
  let open = openDatabases.get(pubsub)
  if (open === undefined) {
    open = new Set()
    openDatabases.set(pubsub, open)
  }
  if (open.has(databaseName)) throw new DatabaseInUseError(databaseName)
  open.add(databaseName)
}

/** Marks the database closed on this GossipSub. */
export function releaseDatabase(pubsub: object, databaseName: string): void {
  openDatabases.get(pubsub)?.delete(databaseName)
}
