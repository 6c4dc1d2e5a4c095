// How bench/results/peer-store-ops-2026-12-04.json was measured (2026-12-04): both builds of
// @libp2p/peer-store sat in node_modules/.pnpm after 'pnpm patch-commit' (the old patch_hash dir stays),
// it-queue's race-event link pointed at the unpatched race-event for the run. BEFORE / AFTER: dir prefixes.
// peer store micro-benchmark: get (90%) and merge (10%) on 50 peers, rebuilt PeerIds; two builds interleaved
import { pathToFileURL } from 'node:url'
import { readdirSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
const pnpm = '/work/main/node_modules/.pnpm'
const dir = (prefix) => join(pnpm, readdirSync(pnpm).find((d) => d.startsWith(prefix)), 'node_modules')
const imp = async (base, rel) => import(pathToFileURL(join(base, rel)).href)
const libp2pDir = realpathSync(join('/work/main/packages/infrastructure/node_modules/libp2p'))
const nm = join(libp2pDir, '..')   // .pnpm/libp2p@.../node_modules
const { MemoryDatastore } = await imp(nm, 'datastore-core/dist/src/memory.js')
const { defaultLogger } = await imp(nm, '@libp2p/logger/dist/src/index.js')
const { peerIdFromString, peerIdFromPrivateKey } = await imp(nm, '@libp2p/peer-id/dist/src/index.js')
const { generateKeyPair } = await imp(nm, '@libp2p/crypto/dist/src/keys/index.js')
const builds = {
  before: await imp(dir(process.env.BEFORE), '@libp2p/peer-store/dist/src/index.js'),
  after: await imp(dir(process.env.AFTER), '@libp2p/peer-store/dist/src/index.js'),
}
const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const peers = await Promise.all(Array.from({ length: 50 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
async function run(mod, ops) {
  const store = mod.persistentPeerStore({ peerId: self, datastore: new MemoryDatastore(), logger: defaultLogger(), events: Object.assign(new EventTarget(), { safeDispatchEvent: () => true }) })
  for (const p of peers) await store.merge(peerIdFromString(p), { protocols: ['/ipfs/ping/1.0.0', '/meshsub/1.1.0'], tags: { a: { value: 1 } } })
  const t = performance.now()
  for (let i = 0; i < ops; i++) {
    const id = peerIdFromString(peers[i % peers.length])
    if (i % 10 === 0) await store.merge(id, { tags: { [`t${i % 7}`]: { value: i % 100 } } })
    else await store.get(id)
  }
  return (performance.now() - t) * 1000 / ops
}
const res = { before: [], after: [] }
for (const mod of Object.values(builds)) await run(mod, 5000)  // warm-up
for (let r = 0; r < 7; r++) for (const [k, mod] of Object.entries(builds)) res[k].push(await run(mod, 20000))
const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1]
console.log(JSON.stringify({ usPerOp: { before: med(res.before), after: med(res.after) }, ratio: med(res.after.map((a, i) => a / res.before[i])), raw: res }))
