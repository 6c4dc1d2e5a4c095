#!/bin/bash
# usage: scale-idle.sh OUTDIR pairs — alternates before (/tmp/testnet-before: QUIC 10 s/5 s) and after (/work/main: 30 s/15 s)
out=$1; pairs=${2:-2}; N=${N:-100}; IDLE=${IDLE:-300}
mkdir -p $out; export PATH=/work/main/node_modules/.bin:$PATH
for i in $(seq $pairs); do for v in before after; do
  if [ $v = before ]; then cli=/tmp/testnet-before/dist/cli.js; else cli=/work/main/apps/testnet/dist/cli.js; fi
  NODE_COMPILE_CACHE=/tmp/idle/cc-testnet-$v timeout 900 node $cli --nodes $N --duration 10 --idle $IDLE --rate $(python3 -c "print(round(1/$N,4))") --topics 1 --transport quic --timings production --start-batch 25 --intruders 0 --plain --json $out/$v-$i.json > $out/$v-$i.txt 2>&1 &
  pid=$!; python3 bench/results/scale-idle-sample-2026-12-05.py $pid $out/$v-$i.cpu & wait $pid; echo "$v $i rc=$?"; sleep 3
  python3 - $out/$v-$i.json $out/$v-$i.cpu $N <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); s = [tuple(map(float, l.split())) for l in open(sys.argv[2])]; n = int(sys.argv[3])
tl = r['scenarioOutcome']['timeline']; t0 = tl['t0']; idle = tl['idle']
def cpu_at(t):
    best = min(s, key=lambda x: abs(x[0] - t)); return best
for a, b in [(idle['toMs'] - 60000, idle['toMs']), (idle['toMs'] - 120000, idle['toMs'] - 60000)]:
    x, y = cpu_at(t0 + a), cpu_at(t0 + b)
    print(f"  idle window {a/1000:.0f}-{b/1000:.0f} s: {(y[1]-x[1])/((y[0]-x[0])/1000)/n:.2f} ms/s per node")
t = r['totals']; print('  delivered', t['delivered'], '/', t['expected'], 'peers', t['peersPerNode'], 'mesh', r['scenarioOutcome'].get('meshFormedMs'), 'ready', tl['readyAtMs'])
PY
done; done
