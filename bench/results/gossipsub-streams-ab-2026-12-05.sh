#!/bin/bash
# The A/Bs of bench/results/gossipsub-streams-100-nodes-2026-12-05.md: 100-node testnets (production timings,
# 120 s idle after the mesh formed, 10 s counted at 0.01 events/s per node), builds of apps/testnet/dist copied to
# /tmp/tn-<name> and run in $ORDER; every 5th node's /metrics (from node 3) scraped every 30 s into
# $OUT/ab-<name>-<i>-scrapes; whole-run CPU (the CLI and its host processes) from bash's `time`. Read with
# gossipsub-streams-ab-totals-2026-12-05.py (totals per run) and gossipsub-streams-ab-rates-2026-12-05.py (rates per
# 30 s). With DEPIN_TESTNET_LOG_DIR set, every node writes its debug log there (the run that counted the repairs).
export PATH=/work/main/node_modules/.bin:$PATH
OUT=${OUT:-/tmp/idle100}
N=${N:-100}; K=${K:-5}; IDLE=${IDLE:-120}
mkdir -p "$OUT"
scrape() { # $1 log, $2 dir
  mkdir -p "$2"; sleep 40
  for _ in $(seq 1 40); do
    ts=$(date +%s)
    grep -o 'node [0-9]* (node) .* listening; metrics http[^ ]*' "$1" | awk '{print $2, $NF}' | awk -v k=$K 'NR%k==3' |
      while read -r n u; do curl -s -m 8 "$u" > "$2/$ts-$n.prom" & done
    wait
    grep -q "phase: stopping" "$1" && break
    sleep 30
  done
}
i=0
for b in ${ORDER:-gs head gs head}; do
  i=$((i + 1)); out=$OUT/ab-$b-$i
  TIMEFORMAT="%U %S"
  scrape "$out.log" "$out-scrapes" &
  { time node /tmp/tn-$b/cli.js --nodes $N --intruders 0 --transport quic --topics 1 --duration 10 --idle $IDLE --rate 0.01 --timings production --start-batch 25 --plain --json "$out.json" > "$out.log" 2>&1 ; } 2> "$out.cpu"
  wait
  echo "$b $i cpu $(awk '{print $1+$2}' "$out.cpu") s | $(grep -E 'mesh formed|all [0-9]+ ready' "$out.log" | tr '\n' ' ') | $(grep '^total:' "$out.log")"
done
