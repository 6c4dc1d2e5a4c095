#!/bin/bash
# Alternated pairs (3) of idle 13-node networks, CPU per thread of the bootstrap node over 60 s after 30 s settling.
# Alternated pairs of idle 13-node networks: before (/tmp/lean-before) then after (tooling/bench/lean).
cd /work/main && export PATH=/work/main/node_modules/.bin:$PATH
for i in 1 2 3; do
  for side in before after; do
    if [ $side = before ]; then s=/tmp/lean-before/vs-go-node.js; else s=/work/main/tooling/bench/lean/vs-go-node.js; fi
    echo "== pair $i $side"
    NODE_SCRIPT=$s SETTLE=30000 WINDOW=60000 timeout 300 node bench/results/idle-13-nodes-per-thread-2026-12-05.mjs 2>&1 | tail -6
  done
done
