#!/bin/bash
# Idle CPU per node of a 50-node in-process testnet, per thread kind, over 50 s of its idle window,
# and the host processes' RSS per node: 130 s after launch for idle-rss-ab-50-nodes-2026-12-04.md, the
# mean of 25 readings over the idle window and the anonymous memory by kind since buffer-pool-arenas-2026-12-04.md.
# usage: DIST=<apps/testnet/dist or a copy of another build's> ./idle-ab-50-nodes-2026-12-04.sh LABEL
# Alternate two builds' dist copies: old1, new1, old2, new2 (each run ~2.7 min).
# The peering-off and 600 s rows of the .md came from a throw-away build whose node-runner merged
# a JSON of node options from the environment into each node's `node` init.
# Busy instead of idle (malloc-arenas-busy-2026-12-04.md): RATE=0.5 IDLE=5 DURATION=150 SAMPLE_AT=80
# samples 50 s of publishing at 25 events/s network-wide (the mesh forms in ~30 s, then 5 s idle).
set -eu
label=$1
dist=${DIST:-$(dirname "$0")/../../apps/testnet/dist}
out=${OUT:-/tmp/idle-ab}
mkdir -p "$out"
snap() { for p in $(pgrep -f "/host.js"); do for t in /proc/$p/task/*; do echo "$p $(tr ' ' _ < "$t/comm") $(awk '{print $14+$15}' "$t/stat")"; done; done; }
timeout 400 node "$dist/cli.js" --nodes 50 --duration "${DURATION:-5}" --idle "${IDLE:-100}" --rate "${RATE:-0.02}" --topics 1 \
  --transport quic --timings production --start-batch 25 --intruders 0 --nodes-per-process 0 \
  --plain --json "$out/$label.json" > "$out/$label.txt" 2>&1 &
sleep "${SAMPLE_AT:-80}"; snap > "$out/$label-a.txt"
# RSS: every 2 s over the same 50 s (a single reading moved by +-4 MB per node with where V8's
# old space stood between two major collections), then the hosts' anonymous memory by kind.
: > "$out/$label-rss.txt"
for _ in $(seq 25); do
  for p in $(pgrep -f "/host.js"); do grep VmRSS /proc/$p/status; done | awk '{s += $2} END {print s}' >> "$out/$label-rss.txt"
  sleep 2
done
snap > "$out/$label-b.txt"
for p in $(pgrep -f "/host.js"); do python3 "$(dirname "$0")/smaps-kinds.py" "$p"; done > "$out/$label-kinds.txt"
wait
python3 - "$out" "$label" <<'PY'
import sys
out, label = sys.argv[1:]
a, b = {}, {}
for f, d in (('a', a), ('b', b)):
    for line in open(f'{out}/{label}-{f}.txt'):
        _, comm, ticks = line.split()
        d[comm] = d.get(comm, 0) + int(ticks)
# 10 ms ticks over 50 s, 50 nodes
per = lambda ticks: round(ticks * 10 / 50 / 50, 2)
parts = {c: per(b[c] - a.get(c, 0)) for c in b}
samples = [int(l) / 1024 for l in open(f'{out}/{label}-rss.txt') if l.strip()]
rss = sum(samples) / len(samples)
kinds = {}
for line in open(f'{out}/{label}-kinds.txt'):
    kind, mb = line.split()
    kinds[kind] = kinds.get(kind, 0) + float(mb)
print(label, 'host RSS MB mean', round(rss), 'per node', round(rss / 50, 1), 'min/max per node',
      round(min(samples) / 50, 1), round(max(samples) / 50, 1),
      'by kind per node', {k: round(v / 50, 1) for k, v in sorted(kinds.items())})
print(label, 'ms/s per node', per(sum(b.values()) - sum(a.values())),
      {k: v for k, v in parts.items() if v > 0.05}, open(f'{out}/{label}.txt').read().strip().splitlines()[-2])
PY
