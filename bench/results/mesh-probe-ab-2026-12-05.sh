#!/bin/bash
# The A/B of the mesh check's probing (bench/results/mesh-probe-100-nodes-2026-12-05.md): /tmp/testnet-before
# is a copy of apps/testnet/dist built at 86c0fc9 (every sender probes at one rate until the mesh has
# formed), apps/testnet/dist the build with adaptive probing (a sender every member heard stops, the
# rest probe faster within the same delivery budget). The 100-node test's command line, alternated.
# Also the A/B of the shared DHT contact ping (dht-contact-ping-100-nodes-2026-12-05.md): the same
# before build against 6d054a3, with the CPU of the whole run (the CLI and its host processes).
export PATH=/work/main/node_modules/.bin:$PATH
OUT=${OUT:-/tmp/ab-probe}
PAIRS=${PAIRS:-3}
N=${N:-100}
RATE=${RATE:-0.1}
IDLE=${IDLE:-20}
mkdir -p "$OUT"
for pair in $(seq 1 "$PAIRS"); do
  for b in before after; do
    cli=/tmp/testnet-before/cli.js
    [ "$b" = after ] && cli=/work/main/apps/testnet/dist/cli.js
    out=$OUT/$b-$N-$pair
    start=$(date +%s)
    TIMEFORMAT="%U %S"
    { time node "$cli" --nodes "$N" --intruders 2 --transport quic --topics 1 --duration 10 --idle "$IDLE" --rate "$RATE" --size 16 --degree 12-24 --plain --json "$out.json" > "$out.log" 2>&1 ; } 2> "$out.cpu"
    rc=$?
    echo "$b $pair rc=$rc wall $(( $(date +%s) - start )) s cpu $(awk '{print $1+$2}' "$out.cpu") s | $(grep -o 'connections opened per node min/median/max [0-9/]*' "$out.log" | tail -1) | $(grep -o 'meshFormedMs.:[0-9]*' "$out.log") | $(grep -o 'allReadyMs.:[0-9]*' "$out.log") | $(grep -E '^phase "steady"' "$out.log" | sed 's/.*published, //') | $(grep -o 'longest above 24: [0-9.]* s' "$out.log")"
  done
done
