#!/bin/bash
# The scale bench at one size, alternated: `default` (the testnet's 25 nodes per worker thread, V8's
# memory reducer on) and `full` (--scale-nodes-per-thread 100, DEPIN_TESTNET_NODE_FLAGS=--no-memory-reducer).
# Usage: bash bench/results/scale-threads-reducer-ab-2026-12-07.sh OUT [pairs] [size]
out=$1; pairs=${2:-2}; size=${3:-250}
mkdir -p "$out"
export PATH=/work/main/node_modules/.bin:$PATH
cd /work/main/tooling/bench || exit 1
for i in $(seq "$pairs"); do
  for v in default full; do
    if [ $v = full ]; then
      DEPIN_TESTNET_NODE_FLAGS=--no-memory-reducer node dist/cli.js --only scale --scale-sizes "$size" \
        --scale-nodes-per-thread 100 --out "$out/$v-$i" > "$out/$v-$i.log" 2>&1
    else
      node dist/cli.js --only scale --scale-sizes "$size" --out "$out/$v-$i" > "$out/$v-$i.log" 2>&1
    fi
    echo "$v $i rc=$? $(grep -o "scale $size: ok=.*" "$out/$v-$i.log")"
  done
done
