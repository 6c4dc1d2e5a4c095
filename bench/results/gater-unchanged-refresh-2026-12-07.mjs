// A refresh whose answer did not change, with the gater before (dist-old) and after (dist) the answer memo:
// every refresh gets a fresh copy of the same strings (as a structured clone brings them to a testnet
// node; the copy counts in both), alternated old / new, median CPU ms per refresh. Usage: copy the build
// before to packages/gater/dist-old and this file into packages/gater (so that it resolves the package's
// dependencies), then from there: node gater-unchanged-refresh-2026-12-07.mjs [wallets...]
import { randomBytes } from 'node:crypto'
import { encodeBase58 } from '@depin/identity'

const builds = { before: await import(`${process.cwd()}/dist-old/index.js`), after: await import(`${process.cwd()}/dist/index.js`) }
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const sizes = process.argv.slice(2).map(Number)
const results = []
for (const n of sizes.length > 0 ? sizes : [1000, 10000, 100000]) {
  const wallets = Array.from({ length: n }, () => encodeBase58(new Uint8Array(randomBytes(32))))
  const gaters = {}
  for (const [name, mod] of Object.entries(builds)) {
    gaters[name] = mod.createRegistryGater({
      getAuthorizedWallets: async () => wallets.map((w) => Buffer.from(w).toString()),
      refreshIntervalMs: 2_147_483_647,
    })
    await gaters[name].start()
  }
  const times = { before: [], after: [] }
  const rounds = n >= 100000 ? 11 : 41
  for (let i = 0; i < rounds; i++)
    for (const name of i % 2 === 0 ? ['before', 'after'] : ['after', 'before']) {
      const t = process.cpuUsage()
      await gaters[name].refresh()
      const d = process.cpuUsage(t)
      times[name].push((d.user + d.system) / 1000)
    }
  for (const g of Object.values(gaters)) await g.stop()
  const row = { wallets: n, rounds, beforeMs: median(times.before), afterMs: median(times.after) }
  results.push(row)
  console.log(`${n} wallets: before ${row.beforeMs.toFixed(3)} ms, after ${row.afterMs.toFixed(3)} ms per unchanged refresh (median of ${rounds}, CPU)`)
}
console.log(JSON.stringify(results))
