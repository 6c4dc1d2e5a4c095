// Throw-away instrumentation behind churn-by-cause-2026-12-05.md (kept for the next diagnosis, not
// built): connection and stream churn of an in-process testnet by cause. To use it, copy it to
// packages/infrastructure/src/debug-churn.ts, call `watchChurn(libp2p)` in node.ts right after
// createLibp2p, rebuild, and run the testnet with DEPIN_DEBUG_CHURN=1: every worker thread appends
// its counts every 10 s to /tmp/prof/churn.txt; churn-by-cause-2026-12-05.py tabulates them.
// Capturing a stack per stream and dial makes the network busier than it is without it.
import { appendFileSync } from 'node:fs'
import type { Connection, Libp2p } from '@libp2p/interface'
const g = globalThis as unknown as { __churn?: { c: Map<string, number>; t0: number } }
function bump(k: string, n = 1): void { const s = g.__churn!; s.c.set(k, (s.c.get(k) ?? 0) + n) }
function caller(n = 3): string {
  const st = (new Error().stack ?? '').split('\n').slice(3, 40).map((l) => l.trim())
  const keep = st.filter((l) => !/debug-churn|node:internal|main-event|abstract-|p-queue|queue\/|it-|race-signal/.test(l)).slice(0, n)
  return keep.map((l) => l.replace(/^at /, '').replace(/\(.*\/(node_modules\/\.pnpm\/[^/]+\/node_modules\/)?/, '(').replace(/:\d+\)$/, ')')).join(' < ')
}
export function watchChurn(libp2p: Libp2p): void {
  if (process.env.DEPIN_DEBUG_CHURN !== '1') return
  Error.stackTraceLimit = 50
  if (g.__churn === undefined) {
    g.__churn = { c: new Map(), t0: Date.now() }
    setInterval(() => {
      const s = g.__churn!
      const e = performance.eventLoopUtilization(); const prev = (g as any).__elu; (g as any).__elu = e; if (prev) s.c.set('elu%', Math.round(100 * performance.eventLoopUtilization(e, prev).utilization))
      const rows = [...s.c].sort((a, b) => b[1] - a[1]).slice(0, 40)
      appendFileSync('/tmp/prof/churn.txt', `CHURN t=${Math.round((Date.now() - s.t0) / 1000)} ${JSON.stringify(Object.fromEntries(rows))}\n`)
      s.c.clear()
    }, 10_000).unref()
  }
  for (const name of ['dht', 'lanDht']) {
    const qm = (libp2p as any).services[name]?.queryManager
    if (qm !== undefined) { const run = qm.run.bind(qm); qm.run = (k: any, f: any, o: any) => { const who = caller(6); bump(`query:${name}:${who}`); const it = run(k, f, o); return (async function * () { let n = 0; try { for await (const e of it) { if (e.name === 'PEER_RESPONSE' || e.name === 'QUERY_ERROR') n++; yield e } } finally { bump(`query-contacts:${name}:${who}`, n) } })() } }
    const pr = (libp2p as any).services[name]?.peerRouting
    if (pr === undefined) continue
    const gcp = pr.getClosestPeers.bind(pr)
    pr.getClosestPeers = (key: any, opts?: any) => { bump(`gcp:${name}:${opts?.isSelfQuery ? 'self ' : ''}${caller()}`); return gcp(key, opts) }
  }
  const cm = (libp2p as any).components.connectionManager
  const oc = cm.openConnection.bind(cm)
  cm.openConnection = async (peer: any, opts?: any) => {
    const id = peer?.toString?.() ?? ''
    const had = libp2p.getConnections().some((c) => c.remotePeer.toString() === id)
    if (!had) bump(`dial-by:${caller()}`)
    try { return await oc(peer, opts) } catch (err: any) { if (!had) bump(`dial-failed:${err?.name}:${String(err?.message).slice(0, 90)}`); throw err }
  }
  libp2p.addEventListener('connection:open', (e) => {
    const conn = e.detail as Connection & { __opened?: number }
    conn.__opened = Date.now()
    bump(`open:${conn.direction}`)
    const ns = conn.newStream.bind(conn)
    conn.newStream = (async (protocols: string | string[], opts?: unknown) => {
      const pr = Array.isArray(protocols) ? protocols[0] : protocols; bump(`stream:${pr}`); if (/ping|kad/.test(String(pr))) bump(`stream-by:${pr}:${caller(/kad/.test(String(pr)) ? 12 : 3)}`)
      return ns(protocols as string[], opts as never)
    }) as typeof conn.newStream
    const close = conn.close.bind(conn)
    conn.close = (async (opts?: unknown) => { bump(`close-by:${caller()}`); return close(opts as never) }) as typeof conn.close
    const abort = conn.abort.bind(conn)
    conn.abort = ((err: Error) => { bump(`abort:${err?.name}:${caller()}`); return abort(err) }) as typeof conn.abort
  })
  libp2p.addEventListener('connection:close', (e) => {
    const conn = e.detail as Connection & { __opened?: number }
    const age = Date.now() - (conn.__opened ?? Date.now())
    bump(`closed:${conn.direction}:${age < 5000 ? '<5s' : age < 30000 ? '<30s' : '>=30s'}`)
  })
}
