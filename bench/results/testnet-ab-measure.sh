# The measuring part of the testnet A/B scripts (quic-completions-ab-2026-12-06.sh,
# idle-bookkeeping-ab-2026-12-06.sh), sourced after they have put the build under test in place:
# runs the testnet with $label $out $N $IDLE, measures idle CPU over 60 s from idle+(IDLE-75) s,
# CPU while publishing and RSS from /proc of the host processes, appends a line to $out/summary.txt.
cd /work/main
node apps/testnet/dist/cli.js --nodes $N --duration 30 --idle $IDLE --rate $(python3 -c "print(max(0.001, round(1/$N,3)))") --topics 1 --transport quic --timings production --start-batch 25 --intruders 0 --nodes-per-process 0 --plain --json $out/$label.json > $out/$label.log 2>&1 &
tn=$!
# wait for idle phase
for i in $(seq 1 600); do grep -q "phase: idle" $out/$label.log && break; sleep 1; done
sleep $((IDLE - 75))
pids=$(pgrep -f "testnet/dist/host.js" | tr '\n' ' ')
cpu() { t=0; for p in $pids; do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $t; }
rss() { t=0; for p in $pids; do t=$((t + $(awk '/VmRSS/{print $2}' /proc/$p/status 2>/dev/null || echo 0))); done; echo $t; }
c0=$(cpu); s0=$(date +%s.%N); sleep 60; c1=$(cpu); s1=$(date +%s.%N); r=$(rss)
# busy window: during publishing
for i in $(seq 1 300); do grep -q "phase: steady (publishing" $out/$label.log && break; sleep 1; done
sleep 5; b0=$(cpu); t0=$(date +%s.%N); sleep 20; b1=$(cpu); t1=$(date +%s.%N)
wait $tn; rc=$?
python3 - "$label" $c0 $c1 $s0 $s1 $r $N $rc $out/$label.json $b0 $b1 $t0 $t1 >> $out/summary.txt <<'PY'
import sys,json
label,c0,c1,s0,s1,r,N,rc,js,b0,b1,t0,t1=sys.argv[1:]
N=int(N); idle=(int(c1)-int(c0))*10/(float(s1)-float(s0))/N; busy=(int(b1)-int(b0))*10/(float(t1)-float(t0))/N
try:
  j=json.load(open(js)); t=j['totals']; tl=j['scenarioOutcome']['timeline']
  extra=f"delivered {t['delivered']}/{t['expected']} p50 {t['latencyMs']['p50']} p99 {t['latencyMs']['p99']} peers {t['peersPerNode']} opened {t.get('connectionsOpenedPerNode')} ready {tl.get('readyAtMs')} mesh {tl.get('meshAtMs')}"
except Exception as e: extra=f'no report {e}'
print(f"{label}: rc {rc} idle {idle:.2f} ms/s/node busy {busy:.2f} ms/s/node rss {int(r)/1024/N:.1f} MB/node | {extra}")
PY
tail -1 $out/summary.txt
