#!/bin/bash
# The scale bench at one size, alternated, after the testnet's defaults changed (100 nodes per thread,
# spread over the threads, host processes without V8's memory reducer): `old` asks for what ran before
# (--scale-nodes-per-thread 25, DEPIN_TESTNET_NODE_FLAGS=--memory-reducer), `new` takes the defaults.
# Usage: bash bench/results/scale-threads-reducer-ab-2026-12-07-c.sh OUT [pairs] [size]
out=$1; pairs=${2:-1}; size=${3:-250}
mkdir -p "$out"
export PATH=/work/main/node_modules/.bin:$PATH
cd /work/main/tooling/bench || exit 1
for i in $(seq "$pairs"); do
  DEPIN_TESTNET_NODE_FLAGS=--memory-reducer node dist/cli.js --only scale --scale-sizes "$size" \
    --scale-nodes-per-thread 25 --out "$out/old-$i" > "$out/old-$i.log" 2>&1
  echo "old $i rc=$? $(grep -o "scale $size: ok=.*" "$out/old-$i.log")"
  node dist/cli.js --only scale --scale-sizes "$size" --out "$out/new-$i" > "$out/new-$i.log" 2>&1
  echo "new $i rc=$? $(grep -o "scale $size: ok=.*" "$out/new-$i.log")"
done
