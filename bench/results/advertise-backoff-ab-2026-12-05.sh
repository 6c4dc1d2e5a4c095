#!/bin/bash
# The A/B of the advertisement retry backoff (bench/results/advertise-backoff-250-nodes-2026-12-05.md): $BEFORE and
# $AFTER are copies of apps/testnet/dist built at 538bfd9 and with the backoff. The 250-node testnet of the scale
# section with 240 s of idle after the mesh formed; 13 nodes' /metrics (every 20th, from node 5) scraped every 30 s
# into $OUT/<run>-scrapes/<unix time>-<node>.prom; whole-run CPU (the CLI and its host processes) from bash's `time`.
export PATH=/work/main/node_modules/.bin:$PATH
BEFORE=${BEFORE:-/tmp/tn-b538}
AFTER=${AFTER:-/tmp/tn-backoff}
OUT=${OUT:-/tmp/ab-backoff}
ORDER=${ORDER:-"after before after"}
mkdir -p "$OUT"
scrape() { # $1 log, $2 dir: every 30 s until the run stops
  mkdir -p "$2"; sleep 60
  for _ in $(seq 1 40); do
    ts=$(date +%s)
    grep -o 'node [0-9]* (node) .* listening; metrics http[^ ]*' "$1" | awk '{print $2, $NF}' | awk 'NR%20==5' |
      while read -r n u; do curl -s -m 8 "$u" > "$2/$ts-$n.prom" & done
    wait
    grep -q "phase: stopping" "$1" && break
    sleep 30
  done
}
i=0
for b in $ORDER; do
  i=$((i + 1))
  cli=$BEFORE/cli.js
  [ "$b" = after ] && cli=$AFTER/cli.js
  out=$OUT/$b-$i
  TIMEFORMAT="%U %S"
  scrape "$out.log" "$out-scrapes" &
  { time node "$cli" --nodes 250 --intruders 0 --transport quic --topics 1 --duration 10 --idle 240 --rate 0.004 --timings production --start-batch 25 --plain --json "$out.json" > "$out.log" 2>&1 ; } 2> "$out.cpu"
  wait
  echo "$b $i cpu $(awk '{print $1+$2}' "$out.cpu") s | $(grep -E 'mesh formed|all 250 ready' "$out.log" | tr '\n' ' ') | $(grep '^total:' "$out.log")"
done
