#!/bin/bash
# Alternated pairs of 200-node testnets: kad-dht's default disjointPaths (10, = alpha) against 1.
# Needs bench/results/dial-causes-instrumentation-2026-12-05.diff applied (git apply) and the testnet
# rebuilt: DEPIN_DEBUG_DHT_D sets the paths, DEPIN_DEBUG_MESH_DIR receives one .jsonl per node.
export PATH=/work/main/node_modules/.bin:$PATH
cd /work/main
N=${N:-200}
for pair in $(seq 1 ${PAIRS:-2}); do
  for d in 10 1; do
    dir=/tmp/abd/n$N-d$d-p$pair; rm -rf $dir; mkdir -p $dir
    start=$(date +%s.%N)
    DEPIN_DEBUG_DHT_D=$d DEPIN_DEBUG_MESH_DIR=$dir /usr/bin/time -f "%e s wall %U user %S sys %M maxrss" timeout 600 node apps/testnet/dist/cli.js --nodes $N --intruders 0 --transport quic --topics 1 --duration 10 --rate 0.05 --size 16 --degree 12-24 --plain --json $dir/R.json > $dir/out.txt 2>&1
    echo "n$N d$d pair$pair rc=$?"
  done
done
