import { expect, it } from 'vitest'

it('exports exactly the public API', async () => {
  expect(Object.keys(await import('../src/index.js')).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_TOPIC_SCORE_PARAMS",
      "DatabaseInUseError",
      "ENTRY_OVERHEAD_BYTES",
      "HISTORY_DEFAULTS",
      "HISTORY_PROTOCOL",
      "HISTORY_REJECT_REASONS",
      "HistoryStore",
      "IGNORE_REASONS",
      "InvalidConfigError",
      "InvalidMessageError",
      "InvalidTopicError",
      "MAX_TOPIC_LENGTH",
      "MESSAGING_DEFAULTS",
      "MESSAGING_METRICS",
      "MESSAGING_OPTION_KEYS",
      "MessagingNotRunningError",
      "NoPeersError",
      "REJECT_REASONS",
      "TopicPeersTimeoutError",
      "createEvent",
      "createMessaging",
      "decodeEvent",
      "decodeHistoryRequest",
      "encodeEvent",
      "gossipTopic",
      "historySignedBytes",
      "validateEventMessage",
      "validateMessagingOptions",
      "verifyHistoryEntry",
    ]
  `)
})

it('runs on Node 22 or later', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22)
})
