// Per-message cost of @libp2p/prometheus-metrics' per-protocol byte counters, before and after building
// the counter keys once per stream (2026-12-06): 214.1 (149.2-258.1) -> 27.6 (26.8-44.9) ns per counted message.
// To rerun: 'pnpm patch @libp2p/prometheus-metrics@5.0.24 --edit-dir X' gives the patched package; copy it twice into
// <its .pnpm dir>/node_modules/@bench/pm-before and pm-after (revert the key change in pm-before), put this file in
// <its .pnpm dir>/node_modules/@bench/ (prom-client resolves from there) and run it with node. Delete @bench afterwards.
import { Registry } from 'prom-client'
const builds = {
  before: (await import('./pm-before/dist/src/index.js')).prometheusMetrics,
  after: (await import('./pm-after/dist/src/index.js')).prometheusMetrics,
}
const log = Object.assign(() => {}, { error() {}, trace() {} })
const components = { logger: { forComponent: () => log } }
const N = 2_000_000
const results = { before: [], after: [] }
for (let round = 0; round < 5; round++) {
  for (const [name, create] of Object.entries(builds)) {
    const metrics = create({ registry: new Registry(), collectDefaultMetrics: false, preserveExistingMetrics: true })(components)
    const streams = ['/meshsub/1.1.0', '/ipfs/kad/1.0.0', '/depin/history/1.0.0', '/ipfs/id/1.0.0'].map((protocol) => {
      const s = { protocol, dispatchEvent: () => true, send: () => true }
      metrics.trackProtocolStream(s)
      return s
    })
    const evt = { type: 'message', data: { byteLength: 100 } }
    const buf = new Uint8Array(100)
    const t = process.hrtime.bigint()
    for (let i = 0; i < N; i++) {
      const s = streams[i & 3]
      s.dispatchEvent(evt)
      s.send(buf)
    }
    results[name].push(Number(process.hrtime.bigint() - t) / (2 * N))
  }
}
for (const [name, r] of Object.entries(results)) {
  const sorted = [...r].sort((a, b) => a - b)
  console.log(`${name}: median ${sorted[2].toFixed(1)} ns per counted message (${sorted[0].toFixed(1)}-${sorted[4].toFixed(1)})`)
}
