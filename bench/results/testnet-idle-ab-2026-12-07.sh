#!/bin/bash
# usage: testnet-idle-ab-2026-12-07.sh OUT "A" "B" [pairs=1] [N=100]
# Alternates testnet runs (--nodes N --idle 150, production timings, QUIC, one topic) under two variants, each a list of
# environment variables (space-free values, e.g. "DEPIN_TESTNET_NODE_FLAGS=--v8-pool-size=1") and extra testnet options
# (words from the first starting with "--", e.g. "--nodes-per-thread 100"; thirty-first session), and prints each run's idle CPU per node over the last 120 s of the
# idle window, by thread name, from /proc. The thirtieth session's A/B of the testnet's reports used two temporary
# edits read from the environment (XSTATS: the nodes' stats interval in network.ts; XLOOP=0: no event-loop-delay
# sampler in node-runner.ts), not kept. The thirty-fourth session added the peak of the tree's summed RSS over the
# run, per node.
out=$1; A=$2; B=$3; pairs=${4:-1}; N=${5:-100}
mkdir -p $out; export PATH=/work/main/node_modules/.bin:$PATH; cd /work/main
for i in $(seq $pairs); do for v in A B; do
  if [ $v = A ]; then f=$A; else f=$B; fi
  g=" $f"; vars=${g%% --*}; args=${g#"$vars"}
  env $vars timeout 900 node apps/testnet/dist/cli.js $args --nodes $N --duration 10 --idle 150 --rate $(python3 -c "print(round(1/$N,4))") --topics 1 --transport quic --timings production --start-batch 25 --intruders 0 --plain --json $out/$v-$i.json > $out/$v-$i.txt 2>&1 &
  pid=$!; python3 bench/results/testnet-idle-threads-2026-12-07.py $pid $out/$v-$i.procs & wait $pid; rc=$?
  python3 - $out/$v-$i.json $out/$v-$i.procs $N "$v $i rc=$rc flags=[$f]" <<'PY'
import json, sys
r=json.load(open(sys.argv[1])); n=int(sys.argv[3]); tl=r['scenarioOutcome']['timeline']; t0=tl['t0']; idle=tl['idle']
recs=[json.loads(l) for l in open(sys.argv[2])]
a,b=t0+idle['toMs']-120000,t0+idle['toMs']
x=min(recs,key=lambda r:abs(r['t']-a)); y=min(recs,key=lambda r:abs(r['t']-b)); dt=(y['t']-x['t'])/1000
th={}
for p,v in y['p'].items():
    if p not in x['p']: continue
    for t,ms in v['th'].items(): th[t]=th.get(t,0)+(ms-x['p'][p]['th'].get(t,0))/dt/n
tot=sum(th.values())
rss=sum(v.get('rss',0) for v in y['p'].values())/1024/n
peak=max(sum(v.get('rss',0) for v in rec['p'].values()) for rec in recs)/1024/n
print(sys.argv[4], f"idle {tot:.2f} ms/s per node, RSS {rss:.1f} MB per node at the end of idle, peak {peak:.1f}", {k: round(v,3) for k,v in sorted(th.items(), key=lambda kv:-kv[1]) if v>0.005}, 'delivered', r['totals']['delivered'], '/', r['totals']['expected'], 'peers', r['totals']['peersPerNode'])
PY
done; done
