// Memory and CPU of many gaters refreshing: 200 gaters of 1,000 wallets in one process, 20 refreshes each,
// every answer a structuredClone of the list (as the testnet's IPC brings it). Usage: copy the build to
// compare into packages/gater/<dir> and this file into packages/gater, then from there:
//   node --expose-gc --no-memory-reducer gater-refresh-memory-2026-12-07.mjs <dir>
import { randomBytes } from 'node:crypto'
import { encodeBase58 } from '@depin/identity'

const which = process.argv[2]
const mod = await import(`${process.cwd()}/${which}/index.js`)
const wallets = Array.from({ length: 1000 }, () => encodeBase58(new Uint8Array(randomBytes(32))))
const gaters = []
for (let i = 0; i < 200; i++) {
  const g = mod.createRegistryGater({
    getAuthorizedWallets: async () => structuredClone(wallets),
    refreshIntervalMs: 2_147_483_647,
  })
  await g.start()
  gaters.push(g)
}
const t = process.cpuUsage()
for (let r = 0; r < 20; r++) for (const g of gaters) await g.refresh()
const cpu = process.cpuUsage(t)
const m = process.memoryUsage()
global.gc()
const after = process.memoryUsage()
const mb = (b) => (b / 1048576).toFixed(0)
console.log(
  which,
  `before GC: rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)}`,
  `| after GC heapUsed ${(after.heapUsed / 1048576).toFixed(1)}`,
  `| CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms for 4000 refreshes`,
)
for (const g of gaters) await g.stop()
