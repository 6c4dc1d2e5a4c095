// Where a delivery's latency goes, stage by stage, in a TS trio of lean nodes (trio-threads-2026-12-07.mjs: bootstrap,
// publisher, subscriber; 500 events of 1 KiB every 10 ms over QUIC). Makes an instrumented copy of the lean bundle
// beside it (tooling/bench/lean-stages, so that it resolves sodium-native as the bench does), which stamps wall-clock
// µs at: the publisher's publish() call, before and after its Ed25519 signature, its first QUIC write; each
// receiver's QUIC read, GossipSub's RPC and message handlers, validateToRawMessage, the signature check, the end of
// validation (our topic validator included) and our handler. Prints medians per stage. Build /work/main first.
// Usage: node bench/results/latency-stages-2026-12-07.mjs
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'

const lean = '/work/main/tooling/bench/lean'
const copy = '/work/main/tooling/bench/lean-stages'
const traces = '/tmp/latency-stages'
const NOW = '(performance.timeOrigin+performance.now())*1000'
rmSync(copy, { recursive: true, force: true })
rmSync(traces, { recursive: true, force: true })
mkdirSync(traces, { recursive: true })
cpSync(lean, copy, { recursive: true })
const file = `${copy}/vs-go-node.main.js`
let s = readFileSync(file, 'utf8')
const sub = (from, to) => {
  const n = s.split(from).length - 1
  if (n !== 1) throw new Error(`expected one ${from.slice(0, 60)}…, found ${n}: the bundle changed`)
  s = s.replace(from, to)
}
const fn = /async function validateToRawMessage\((\w+),(\w+)\)\{/.exec(s)?.[0]
if (fn === undefined) throw new Error('validateToRawMessage not found')
// Receiver.
sub('const chunk=await this.#stream.read(CHUNK_SIZE);', `const chunk=await this.#stream.read(CHUNK_SIZE);globalThis.__tRead=${NOW};`)
sub('async handleReceivedRpc(from5,rpc){', `async handleReceivedRpc(from5,rpc){globalThis.__tRpc=${NOW};`)
sub('async handleReceivedMessage(from5,rpcMsg){', `async handleReceivedMessage(from5,rpcMsg){globalThis.__tMsg=${NOW};`)
sub(fn, `${fn}globalThis.__tRaw=${NOW};`)
sub(
  'validSignature=await publicKey2.verify(bytes2,msg.signature)}',
  `globalThis.__tV0=${NOW};validSignature=await publicKey2.verify(bytes2,msg.signature);globalThis.__tV1=${NOW}}`,
)
sub(
  'topic);const validationResult=await this.validateReceivedMessage(from5,rpcMsg);',
  `topic);const validationResult=await this.validateReceivedMessage(from5,rpcMsg);globalThis.__tValid=${NOW};`,
)
sub(
  'list.push(nowUs()-sent)',
  'list.push(nowUs()-sent);const __g=globalThis;(__g.__trace??=[]).push([sent,__g.__tRead,__g.__tRpc,__g.__tMsg,__g.__tRaw,__g.__tV0,__g.__tV1,__g.__tValid,nowUs()])',
)
// Publisher.
sub(
  'rpcMsg.signature=await publishConfig.privateKey.sign(bytes2);',
  `globalThis.__pSign0=${NOW};rpcMsg.signature=await publishConfig.privateKey.sign(bytes2);globalThis.__pSign1=${NOW};`,
)
sub(
  'sendData(data){this.log.trace("writing %d bytes",data.byteLength);',
  `sendData(data){if(globalThis.__pWrite===undefined)globalThis.__pWrite=${NOW};this.log.trace("writing %d bytes",data.byteLength);`,
)
sub(
  'await db.publish(topic,{seq:i,sentUs:nowUs(),pad})}',
  'const __g=globalThis;__g.__pWrite=undefined;const __s=nowUs();await db.publish(topic,{seq:i,sentUs:__s,pad});(__g.__ptrace??=[]).push([__s,__g.__pSign0,__g.__pSign1,__g.__pWrite,nowUs()])}',
)
sub(
  'if(command==="quit")break;',
  `if(command==="quit"){(await import("node:fs")).writeFileSync(\`${traces}/\${process.pid}.json\`,JSON.stringify({recv:globalThis.__trace??[],pub:globalThis.__ptrace??[]}));break}`,
)
writeFileSync(file, s)

try {
  const out = execFileSync(process.execPath, ['/work/main/bench/results/trio-threads-2026-12-07.mjs'], {
    env: { ...process.env, NODE_SCRIPT: `${copy}/vs-go-node.js` },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  process.stdout.write(out)
} finally {
  rmSync(copy, { recursive: true, force: true })
}

const med = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  return v.length === 0 ? Number.NaN : v[v.length >> 1]
}
const runs = readdirSync(traces).map((f) => JSON.parse(readFileSync(`${traces}/${f}`, 'utf8')))
const pub = runs.find((r) => r.pub.length > 0)?.pub.slice(-500) ?? []
const written = new Map(pub.map((p) => [p[0], p[3]]))
console.log(
  `publisher (${pub.length}): publish() → sign ${med(pub.map((p) => p[1] - p[0]))} µs, sign ${med(pub.map((p) => p[2] - p[1]))}, sign → first QUIC write ${med(pub.map((p) => p[3] - p[2]))}, publish() returns after ${med(pub.map((p) => p[4] - p[0]))}`,
)
for (const r of runs.filter((x) => x.recv.length > 0)) {
  const t = r.recv.slice(-500)
  const stage = (i, j) => Math.round(med(t.map((x) => x[j] - x[i])))
  console.log(
    `receiver (${t.length}): first QUIC write → read ${Math.round(med(t.map((x) => x[1] - (written.get(x[0]) ?? Number.NaN))))} µs, ` +
      `read → RPC ${stage(1, 2)}, RPC → message ${stage(2, 3)}, message → validateToRawMessage ${stage(3, 4)}, ` +
      `→ signature check ${stage(4, 5)}, signature check ${stage(5, 6)}, → validated ${stage(6, 7)}, → our handler ${stage(7, 8)}; ` +
      `publish() → handler p50 ${stage(0, 8)}`,
  )
}
