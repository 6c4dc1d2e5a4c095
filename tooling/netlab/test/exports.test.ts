import { expect, it } from 'vitest'

it('exports exactly the public API', async () => {
  expect(Object.keys(await import('../src/index.js')).sort()).toMatchInlineSnapshot(`
    [
      "PUBLIC_PREFIX",
      "PUBLIC_PREFIX4",
      "buildDelayLine",
      "createRegionTopology",
      "createTopology",
      "listHarnessNamespaces",
      "netlabUnavailableReason",
      "regionsUnavailableReason",
      "sweepStaleNamespaces",
      "upnpGatewayUnavailableReason",
    ]
  `)
})
