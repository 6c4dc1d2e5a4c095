import { expect, it } from 'vitest'

it('exports exactly the public API', async () => {
  expect(Object.keys(await import('../src/index.js')).sort()).toMatchInlineSnapshot(`
    [
      "DEPIN_ERROR_CODES",
      "DatabaseInUseError",
      "DepinError",
      "HISTORY_DEFAULTS",
      "HISTORY_PROTOCOL",
      "InvalidBootstrapNodeError",
      "InvalidConfigError",
      "InvalidGaterConfigError",
      "InvalidMessageError",
      "InvalidNodeConfigError",
      "InvalidPeerIdError",
      "InvalidSecretKeyError",
      "InvalidTopicError",
      "InvalidWalletError",
      "MAX_DATABASE_NAME_LENGTH",
      "MessagingNotRunningError",
      "MetricsServerStartError",
      "NODE_DEFAULTS",
      "NODE_PROCESS_ENV",
      "NODE_PROCESS_FLAGS",
      "NoPeersError",
      "NodeStartError",
      "NodeStoppedError",
      "NotReadyError",
      "RegistryCallError",
      "TopicPeersTimeoutError",
      "connect",
      "createEvent",
      "decodeEvent",
      "encodeEvent",
      "isDepinError",
      "validateDatabaseConfig",
      "walk",
    ]
  `)
})

it('the built entry exports connect()', async () => {
  // Other tools import the built package; this fails if dist is stale or missing connect.
  const built = await import('../dist/index.js').catch(() => undefined)
  if (built !== undefined) expect(typeof built.connect).toBe('function')
})

it('runs on Node 22 or later', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22)
})
