# Alternated pairs (3) of idle 13-node networks, every node with TOKIO_WORKER_THREADS=1, then with Tokio's default
# (one worker per core: 2 here); CPU per thread of the bootstrap node over 60 s after 30 s settling.
cd /work/main && export PATH=/work/main/node_modules/.bin:$PATH
for i in 1 2 3; do
  for t in 1 default; do
    echo "== pair $i tokio [$t]"
    if [ $t = default ]; then unset TOKIO_WORKER_THREADS; else export TOKIO_WORKER_THREADS=$t; fi
    SETTLE=30000 WINDOW=60000 timeout 300 node bench/results/idle-13-nodes-per-thread-2026-12-05.mjs 2>&1 | tail -7
  done
done
