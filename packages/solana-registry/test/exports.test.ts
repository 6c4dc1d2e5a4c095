import { expect, test } from 'vitest'

test('the public API is deliberate', async () => {
  expect(Object.keys(await import('../src/index.js')).sort()).toMatchInlineSnapshot(`
    [
      "InvalidSolanaRegistryConfigError",
      "REGISTRY_RPC_DEFAULTS",
      "REGISTRY_SOURCE_METRICS",
      "RPC_OUTCOMES",
      "SUBSCRIPTION_STATES",
      "SolanaRpcError",
      "TOKEN_2022_PROGRAM_ID",
      "TOKEN_PROGRAM_ID",
      "WATCH_DEFAULTS",
      "createRegistryRpc",
      "programAccounts",
      "tokenHolders",
    ]
  `)
})

test('runs on Node >= 22 (global fetch, AbortSignal.any)', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22)
})
