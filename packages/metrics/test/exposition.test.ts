import { expect, test } from 'vitest'
import { createDepinCollector, fromFacadeMetrics } from '../src/index.js'
import { sampleMetrics } from './sample.js'

// Every name, help text, label and value the collector renders for a full snapshot (host gater
// included), one line each, sorted: a renamed metric, a changed help text or a dropped label shows
// here. Update with `vitest run -u` only when the change is meant.
test('the Prometheus exposition of a full snapshot is stable', async () => {
  const m = sampleMetrics()
  const collector = createDepinCollector({
    read: () =>
      fromFacadeMetrics('rooms-db', {
        ...m,
        hostGater: { ...m.gater, members: 1, connectionsClosed: 2, suspendedPeers: 1, suspensions: 3 },
      }),
  })
  const lines = (await collector.metrics()).split('\n').filter((line) => line.length > 0)
  await expect(`${lines.sort().join('\n')}\n`).toMatchFileSnapshot('./__snapshots__/exposition.prom')
})
