// What one libp2p log call costs through the bridge: disabled (libp2p checks `enabled` first in its
// hot paths), disabled but called anyway, and enabled into a JSON console logger that writes nowhere.
// Runs on the built package (`pnpm build` first). Prints a table and JSON; never fails on a timing.
import { createConsoleLogger, createLibp2pLogBridge, noopLogger } from '../dist/index.js'

const ITERATIONS = 1_000_000
const sink = { write: () => true }
const peer = { toString: () => '12D3KooWNLGA9ERfL3us5vZyxKVZeBw339mLASW49A3xTGRqnhR3' }
const disabled = createLibp2pLogBridge(noopLogger).forComponent('libp2p:yamux')
const atInfo = createLibp2pLogBridge(createConsoleLogger({ level: 'info', stream: sink })).forComponent(
  'libp2p:yamux',
)
const enabled = createLibp2pLogBridge(
  createConsoleLogger({ level: 'debug', format: 'json', stream: sink }),
).forComponent('libp2p:yamux')

const cases = {
  'disabled (noop logger), guarded by .enabled': () => {
    if (disabled.enabled) disabled('frame %d from %p', 1, peer)
  },
  'disabled (noop logger), called unguarded': () => disabled('frame %d from %p', 1, peer),
  'disabled (console at info), called unguarded': () => atInfo('frame %d from %p', 1, peer),
  'enabled, formatted into a JSON line': () => enabled('frame %d from %p', 1, peer),
}

const results = []
for (const [name, fn] of Object.entries(cases)) {
  const iterations = name.startsWith('enabled') ? ITERATIONS / 10 : ITERATIONS
  for (let i = 0; i < 10_000; i++) fn() // warm up
  const start = process.hrtime.bigint()
  for (let i = 0; i < iterations; i++) fn()
  const ns = Number(process.hrtime.bigint() - start) / iterations
  results.push({ name, iterations, nsPerCall: Math.round(ns * 10) / 10 })
}
console.table(results)
console.log(JSON.stringify({ bench: 'logger/libp2p-bridge', node: process.versions.node, results }))
