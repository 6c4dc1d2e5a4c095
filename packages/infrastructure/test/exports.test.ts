import { expect, it } from 'vitest'

it('exports exactly the public API', async () => {
  expect(Object.keys(await import('../src/index.js')).sort()).toMatchInlineSnapshot(`
    [
      "ACCOUNTABILITY_DEFAULTS",
      "BOOTSTRAP_TAG",
      "DEFAULT_GRAYLIST_THRESHOLD",
      "DHT_PROTOCOL",
      "GOSSIPSUB_DEFAULTS",
      "GOSSIPSUB_INTERNALS_CHECKED_VERSION",
      "GOSSIPSUB_MEMBERS",
      "InvalidNodeConfigError",
      "NODE_DEFAULTS",
      "NODE_METRICS",
      "NODE_PROCESS_ENV",
      "NODE_PROCESS_FLAGS",
      "NodeStartError",
      "NodeStoppedError",
      "NotReadyError",
      "RENDEZVOUS_PREFIX",
      "WAIT_UNTIL_READY_TIMEOUT_MS",
      "acquireNode",
      "connectedPeers",
      "createNode",
      "createPeerAccountability",
      "gossipSubInternals",
      "missingGossipSubMembers",
      "rendezvousCid",
      "rendezvousNamespace",
      "withDefaults",
    ]
  `)
})

it('runs on Node 22+ (libp2p and QUIC need it)', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22)
})
