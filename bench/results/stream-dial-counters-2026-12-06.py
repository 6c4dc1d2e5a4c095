# Usage: python3 bench/results/stream-dial-counters-2026-12-06.py after building apps/testnet (never commit the edited bundle;
# rebuild it with `npx tsup` in apps/testnet). Counts go to /tmp/streams/<pid>-<thread>.jsonl every 10 s.
# Throw-away counters in the testnet bundle: streams per protocol, dials by caller, DHT walks by origin, PX records.
p='/work/main/apps/testnet/dist/host.main.js'
s=open(p).read()
assert '__sc' not in s
helper='''globalThis.__sc ??= (() => { const counts = {}; const fs = require('node:fs'); const wt = require('node:worker_threads'); fs.mkdirSync('/tmp/streams', { recursive: true }); const file = `/tmp/streams/${process.pid}-${wt.threadId}.jsonl`; setInterval(() => fs.appendFileSync(file, JSON.stringify({ t: Date.now(), counts }) + '\\n'), 10000).unref(); return (k) => { counts[k] = (counts[k] ?? 0) + 1 } })();
globalThis.__stk ??= (label) => { const lim = Error.stackTraceLimit; Error.stackTraceLimit = 40; const st = new Error().stack ?? ''; Error.stackTraceLimit = lim; const names = st.split('\\n').slice(2).map((l) => l.trim().replace(/^at (async )?/, '').replace(/ \\(.*$/, '')).filter((n) => !/^(file:|\\/|process\\.|runNextTicks|listOnTimeout|new Promise|Array\\.|Object\\.|Promise\\.|PeerRouting\\.|KadDHT\\.|DualKadDHT|CompoundPeerRouting|DialQueue|Queue\\.|Job\\.|DefaultConnectionManager|Libp2p\\.|anonymous)/.test(n)); globalThis.__sc(label + ' ' + names.slice(0, 6).join(' < ')) };
'''
def rep(a,b):
    global s
    assert s.count(a)==1, a[:60]
    s=s.replace(a,b)
rep('Buffer.poolSize = 8192;\n','Buffer.poolSize = 8192;\n'+helper)
a='const streamCount=countStreams(muxedStream.protocol,"outbound",this);'; rep(a,a+'globalThis.__sc("out "+muxedStream.protocol);')
a='const streamCount=countStreams(muxedStream.protocol,"inbound",this);'; rep(a,a+'globalThis.__sc("in "+muxedStream.protocol);')
a='const{peerId,multiaddrs}=getPeerAddress(peerIdOrMultiaddr);if(this.peerId.equals(peerId)){throw new InvalidPeerIdError("Can not dial self")}'
rep(a,a+'if(peerId!=null&&this.getConnections(peerId).length===0){globalThis.__stk("dial")}')
a='async*findPeer(id,options={}){this.log("findPeer %p",id);'; rep(a,a+'globalThis.__stk("findPeer");')
a='async*getClosestPeers(key,options={}){this.log("getClosestPeers to %b",key);'; rep(a,a+'globalThis.__stk("closest");')
a='if(pi.signedPeerRecord==null){toconnect.push(p);return}'; rep(a,'if(pi.signedPeerRecord==null){globalThis.__sc("px unsigned");toconnect.push(p);return}globalThis.__sc("px signed");')
open(p,'w').write(s)
print('ok')
