// computeScore of the gossipsub package before (patch hash 3dae03..) and after (389aa9..) the score-loops patch,
// one peer with one scored topic, 2,000,000 calls per round, 3 interleaved rounds (2026-12-07: before 380/178/96 ns,
// after 122/117/72 ns). Needs both patched packages in node_modules/.pnpm (pnpm keeps the old one until a prune).
const dirs = { before: '3dae03db0feadc1bb8030b97f47761dc2f9972e24f995bb8116f0dec4fd498ee', after: '389aa9078fe2fba029ec4a4a7ffca10f35a40568771a5e1cbf2c4b0839373c48' }
const fns = {}
for (const [k, h] of Object.entries(dirs)) fns[k] = (await import(`${process.env.ROOT ?? "/work/main"}/node_modules/.pnpm/@libp2p+gossipsub@17.1.1_patch_hash=${h}/node_modules/@libp2p/gossipsub/dist/src/score/compute-score.js`)).computeScore
const tp = { topicWeight: 1, timeInMeshWeight: 0.01, timeInMeshQuantum: 1000, timeInMeshCap: 3600, firstMessageDeliveriesWeight: 1, firstMessageDeliveriesCap: 100, meshMessageDeliveriesThreshold: 1, meshMessageDeliveriesWeight: -1, meshFailurePenaltyWeight: -1, invalidMessageDeliveriesWeight: -1 }
const params = { topics: { t: tp }, topicScoreCap: 0, appSpecificScore: () => 0, appSpecificWeight: 1, IPColocationFactorWhitelist: new Set(), IPColocationFactorThreshold: 10, IPColocationFactorWeight: 0, behaviourPenaltyThreshold: 6, behaviourPenaltyWeight: -1 }
const pstats = { topics: { t: { inMesh: true, meshTime: 5000, firstMessageDeliveries: 3, meshMessageDeliveriesActive: true, meshMessageDeliveries: 2, meshFailurePenalty: 0, invalidMessageDeliveries: 0 } }, knownIPs: new Set(['127.0.0.1']), behaviourPenalty: 0 }
const ips = new Map([['127.0.0.1', new Set(['a'])]])
const N = 2_000_000
for (let r = 0; r < 3; r++) for (const k of ['before', 'after']) {
  const f = fns[k]; let s = 0; const t = process.hrtime.bigint()
  for (let i = 0; i < N; i++) s += f('a', pstats, params, ips)
  console.log(k, (Number(process.hrtime.bigint() - t) / N).toFixed(1), 'ns per computeScore', s > 0)
}
