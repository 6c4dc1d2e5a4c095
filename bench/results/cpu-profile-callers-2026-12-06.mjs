// Callers of the functions matching a regex (deepest match on each sampled stack), from V8 CPU profiles, in a window
// of seconds since the earliest profile's start.
// Usage: node cpu-profile-callers-2026-12-06.mjs DIR "a-b" fnRegex [depth]
import { readFileSync, readdirSync } from 'node:fs'
import { SourceMap } from 'node:module'
const [dir, win, re, depthS] = process.argv.slice(2)
const [a, b] = win.split('-').map(Number); const rx = new RegExp(re); const depth = Number(depthS ?? 6)
const maps = new Map()
const mapFor = (url) => { if (maps.has(url)) return maps.get(url); let m = null; try { m = new SourceMap(JSON.parse(readFileSync(url.replace('file://', '') + '.map', 'utf8'))) } catch {} maps.set(url, m); return m }
const name = (cf) => { let src = cf.url; const m = cf.url && mapFor(cf.url); if (m) { const e = m.findEntry(cf.lineNumber, cf.columnNumber); if (e?.originalSource) src = e.originalSource + ':' + e.originalLine } return `${cf.functionName || '<anon>'}@${(src || '').replace(/^.*node_modules\//, '').replace(/^.*\/(packages|apps)\//, '')}` }
const profs = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')))
const t0 = Math.min(...profs.map((p) => p.startTime))
const tally = new Map(); let tot = 0, all = 0
for (const p of profs) {
  const byId = new Map(p.nodes.map((n) => [n.id, n])); const parent = new Map()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const memo = new Map()
  let t = p.startTime
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]; const s = (t - t0) / 1e6; if (s < a || s >= b) continue
    const dt = p.timeDeltas[i + 1] ?? 0; const id = p.samples[i]
    if (byId.get(id).callFrame.functionName !== '(idle)') all += dt
    let key = memo.get(id)
    if (key === undefined) {
      key = null
      // find the deepest frame matching rx on the stack
      let cur = id; const chain = []
      while (cur !== undefined) { chain.push(cur); cur = parent.get(cur) }
      const k = chain.findIndex((x) => rx.test(name(byId.get(x).callFrame)))
      if (k >= 0) key = chain.slice(k, k + depth).map((x) => name(byId.get(x).callFrame)).join(' <- ')
      memo.set(id, key)
    }
    if (key) { tally.set(key, (tally.get(key) ?? 0) + dt); tot += dt }
  }
}
console.log(`matched ${(100 * tot / all).toFixed(1)}% of samples`)
for (const [k, v] of [...tally].sort((x, y) => y[1] - x[1]).slice(0, 15)) console.log((100 * v / all).toFixed(1).padStart(5) + '%  ' + k)
