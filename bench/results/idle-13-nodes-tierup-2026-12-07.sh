# Alternated pairs (3) of idle 13-node networks: the bootstrap node with V8's default tier-up
# thresholds, then with them a quarter as high (Maglev after ~100 invocations' worth of bytecode
# instead of 400, TurboFan after 750 instead of 3000); CPU per thread of the bootstrap node over
# 30 s after 30 s of settling (the bench's idle window).
cd /work/main && export PATH=/work/main/node_modules/.bin:$PATH TOKIO_WORKER_THREADS=1
LOW="--invocation-count-for-maglev=100 --invocation-count-for-turbofan=750 --minimum-invocations-after-ic-update=125"
for i in 1 2 3; do
  for f in default low; do
    echo "== pair $i tier-up [$f]"
    if [ $f = low ]; then export EXTRA_FLAGS="$LOW"; else unset EXTRA_FLAGS; fi
    SETTLE=30000 WINDOW=30000 timeout 300 node bench/results/idle-13-nodes-per-thread-2026-12-05.mjs 2>&1 | tail -7
  done
done
