#!/bin/bash
# The A/B of the 25-node worker threads' lower priority (bench/results/bootstrap-priority-250-nodes-2026-12-05.md):
# $BEFORE and $AFTER are copies of apps/testnet/dist built without and with it (427e961 and the next commit).
# The 250-node testnet of the scale section by hand (production timings, band 32-64, batches of 25), alternated;
# the CPU of the whole run (the CLI and its host processes) from bash's `time`.
export PATH=/work/main/node_modules/.bin:$PATH
BEFORE=${BEFORE:-/tmp/tn-before}
AFTER=${AFTER:-/tmp/tn-after}
OUT=${OUT:-/tmp/ab-priority}
PAIRS=${PAIRS:-2}
N=${N:-250}
mkdir -p "$OUT"
for pair in $(seq 1 "$PAIRS"); do
  for b in before after; do
    cli=$BEFORE/cli.js
    [ "$b" = after ] && cli=$AFTER/cli.js
    out=$OUT/$b-$N-$pair
    start=$(date +%s)
    TIMEFORMAT="%U %S"
    { time node "$cli" --nodes "$N" --intruders 0 --transport quic --topics 1 --duration 10 --idle 0 --rate 0.004 --timings production --start-batch 25 --plain --json "$out.json" > "$out.log" 2>&1 ; } 2> "$out.cpu"
    rc=$?
    echo "$b $pair rc=$rc wall $(( $(date +%s) - start )) s cpu $(awk '{print $1+$2}' "$out.cpu") s | $(node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
      const t = r.totals ?? {}, o = r.scenarioOutcome ?? {}
      console.log(JSON.stringify({ allReadyMs: o.allReadyMs, meshFormedMs: o.meshFormedMs, delivered: t.delivered, expected: t.expected, p50: t.latencyMs?.p50, p99: t.latencyMs?.p99, peers: t.peersPerNode, opened: t.connectionsOpenedPerNode, runMs: r.runMs, failed: r.checks?.filter((c) => !c.ok).map((c) => c.name + ": " + String(c.detail).slice(0, 120)) }))
    ' "$out.json" 2>&1 | head -c 600)"
  done
done
