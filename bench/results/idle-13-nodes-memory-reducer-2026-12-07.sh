# Alternated pairs (3) of idle 13-node networks of lean nodes (MALLOC_ARENA_MAX=2, TOKIO_WORKER_THREADS=1), the
# bootstrap node (12 peers) with V8's default, then with --no-memory-reducer; its CPU per thread over 60 s after 30 s
# settling (thirty-first session).
cd /work/main && export PATH=/work/main/node_modules/.bin:$PATH
export MALLOC_ARENA_MAX=2 TOKIO_WORKER_THREADS=1
for i in 1 2 3; do
  for f in "" "--no-memory-reducer"; do
    echo "== pair $i flags [$f]"
    EXTRA_FLAGS="$f" SETTLE=30000 WINDOW=60000 timeout 300 node bench/results/idle-13-nodes-per-thread-2026-12-05.mjs 2>&1 | tail -7
  done
done
