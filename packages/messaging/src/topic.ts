import { InvalidTopicError } from './errors.js'

/** Longest accepted application topic, in characters. */
export const MAX_TOPIC_LENGTH = 256

/**
 * The GossipSub topic string of an application topic: `<databaseName>_<topic>`, as the Go
 * implementation builds it. Throws {@link InvalidTopicError} for an unusable topic.
 *
 * @example
 * gossipTopic('my-depin', 'rooms') // 'my-depin_rooms'
 */
export function gossipTopic(databaseName: string, topic: string): string {
  assertTopic(topic)
  return `${databaseName}_${topic}`
}

/** Throws {@link InvalidTopicError} unless `topic` is a non-empty string without control characters. */
export function assertTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') throw new InvalidTopicError(`expected a string, got ${typeof topic}`)
  if (topic.length === 0) throw new InvalidTopicError('it is empty')
  if (topic.length > MAX_TOPIC_LENGTH) {
    throw new InvalidTopicError(`it is ${topic.length} characters long; the limit is ${MAX_TOPIC_LENGTH}`)
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(topic)) throw new InvalidTopicError('it contains control characters')
}
