import { expect, it } from 'vitest'

it('exports exactly the public API (a change here is an API change: add a changeset)', async () => {
  expect(Object.keys(await import('../src/index.js')).sort()).toMatchInlineSnapshot(`
    [
      "ConfigIssues",
      "DEPIN_ERROR_BRAND",
      "DEPIN_ERROR_CODES",
      "DepinError",
      "InvalidConfigError",
      "WALK_MAX_DEPTH",
      "configErrorClass",
      "describeConfigIssues",
      "isDepinError",
      "messageErrorClass",
      "reasonErrorClass",
      "walk",
    ]
  `)
})
