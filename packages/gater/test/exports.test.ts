import { expect, test } from 'vitest'

test('the public API is deliberate', async () => {
  expect(Object.keys(await import('../src/index.js')).sort()).toMatchInlineSnapshot(`
    [
      "DENY_REASONS",
      "GATER_DEFAULTS",
      "GATER_GROUP_DEFAULTS",
      "GATER_GROUP_METRICS",
      "GATER_HOOKS",
      "InvalidGaterConfigError",
      "REGISTRY_GATER_METRICS",
      "RegistryCallError",
      "createGaterGroup",
      "createRegistryGater",
    ]
  `)
})

test('runs on Node >= 22 (libp2p 3 and QUIC need it)', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22)
})
