import { expect, it } from 'vitest'

it('exports exactly the public API', async () => {
  expect(Object.keys(await import('../src/index.js')).sort()).toMatchInlineSnapshot(`
    [
      "createConsoleLogger",
      "createLibp2pLogBridge",
      "createLiveKitLogger",
      "createPinoLogger",
      "isLevelEnabled",
      "logLevels",
      "noopLogger",
      "parseLogLevel",
      "withFields",
    ]
  `)
})
