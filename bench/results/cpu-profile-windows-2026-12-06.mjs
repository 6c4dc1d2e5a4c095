// Self time of V8 CPU profiles (.cpuprofile, many threads) by package and by function, per window of seconds since
// the earliest profile's start; bundles mapped back to sources through their .map files. Samples are wall-clock
// samples of non-idle threads: on a saturated machine read shares, not CPU seconds.
// Usage: node cpu-profile-windows-2026-12-06.mjs DIR [windows "a-b,c-d" seconds from the earliest profile start] [topN]
import { readFileSync, readdirSync } from 'node:fs'
import { SourceMap } from 'node:module'
const dir = process.argv[2]
const windows = (process.argv[3] ?? '0-1e9').split(',').map((w) => w.split('-').map(Number))
const topN = Number(process.argv[4] ?? 25)
const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
const maps = new Map()
function mapFor(url) {
  if (maps.has(url)) return maps.get(url)
  let m = null
  try { const p = url.replace('file://', ''); m = new SourceMap(JSON.parse(readFileSync(p + '.map', 'utf8'))) } catch {}
  maps.set(url, m); return m
}
function where(cf) {
  if (!cf.url) return { pkg: cf.functionName.startsWith('(') ? cf.functionName : '(native)', fn: cf.functionName }
  const m = mapFor(cf.url)
  let src = cf.url
  if (m) { const e = m.findEntry(cf.lineNumber, cf.columnNumber); if (e && e.originalSource) src = e.originalSource }
  let pkg
  const nm = src.lastIndexOf('node_modules/')
  if (nm >= 0) { const rest = src.slice(nm + 13).split('/'); pkg = rest[0].startsWith('@') ? rest[0] + '/' + rest[1] : rest[0] }
  else if (src.startsWith('node:')) pkg = 'node:' + src.slice(5).split('/')[0]
  else { const mm = src.match(/(packages|apps|tooling)\/([^/]+)/); pkg = mm ? '@depin/' + mm[2] : src }
  const file = src.replace(/^.*node_modules\//, '').replace(/^.*\/(packages|apps)\//, '')
  return { pkg, fn: `${cf.functionName || '<anon>'} ${file}:${cf.lineNumber}` }
}
const profs = files.map((f) => ({ f, p: JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) }))
const t0 = Math.min(...profs.map((x) => x.p.startTime))
const res = windows.map(() => ({ pkg: new Map(), fn: new Map(), total: 0 }))
for (const { p } of profs) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const cache = new Map()
  let t = p.startTime
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i]; t += dt
    const s = (t - t0) / 1e6
    const n = byId.get(p.samples[i])
    if (n.callFrame.functionName === '(idle)') continue
    let w = cache.get(n.id); if (!w) { w = where(n.callFrame); cache.set(n.id, w) }
    const dtNext = p.timeDeltas[i + 1] ?? 0
    windows.forEach(([a, b], k) => {
      if (s < a || s >= b) return
      const r = res[k]; r.total += dtNext
      r.pkg.set(w.pkg, (r.pkg.get(w.pkg) ?? 0) + dtNext)
      r.fn.set(w.fn, (r.fn.get(w.fn) ?? 0) + dtNext)
    })
  }
}
windows.forEach(([a, b], k) => {
  const r = res[k]; const span = Math.min(b, 1e9) - a
  console.log(`\n== window ${a}-${b} s: ${(r.total / 1e6).toFixed(1)} s CPU sampled` + (b < 1e8 ? ` (${(r.total / 1e6 / span).toFixed(2)} cores)` : ''))
  for (const [kk, v] of [...r.pkg].sort((x, y) => y[1] - x[1]).slice(0, topN)) console.log(`  ${(100 * v / r.total).toFixed(1).padStart(5)}%  ${kk}`)
  console.log('  -- functions')
  for (const [kk, v] of [...r.fn].sort((x, y) => y[1] - x[1]).slice(0, topN)) console.log(`  ${(100 * v / r.total).toFixed(1).padStart(5)}%  ${kk}`)
})
console.log('profiles', profs.length)
