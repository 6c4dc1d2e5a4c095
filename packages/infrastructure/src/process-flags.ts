/**
 * Node.js flags for a process that runs one node: `node ${NODE_PROCESS_FLAGS.join(' ')} app.js`, or
 * `NODE_OPTIONS`. V8 lets the young generation grow to 2 × 16 MB; a node allocates mostly
 * short-lived objects (RPC frames, events) that a 1 MB semi-space collects as well. V8's platform
 * runs four helper threads for the GC and compilation; one suffices for a node's ~20 MB heap. Measured
 * on three-node networks publishing 500 events of 1 KiB at 100/s (bench vs-go, interleaved):
 * semi-spaces of 2 MB instead of V8's default, RSS 98-104 → 92-94 MB idle, 108-112 → 96-99 MB at
 * peak; then 1 MB and one helper thread, 92.7 → 91.2 MB at peak, spawn → listening ×0.89, CPU per
 * event ×0.99, latency ×1.00 (`bench/results/vs-go-process-flags-2026-12-04.md`). V8 reads them
 * only at start-up: a running process cannot set them on itself. Not meant for a process hosting
 * many nodes (a bigger heap, where parallel GC helps).
 */
export const NODE_PROCESS_FLAGS: readonly string[] = Object.freeze([
  '--max-semi-space-size=1',
  '--v8-pool-size=1',
])

/**
 * Environment variables for a process that runs nodes, set by whatever starts it (glibc reads its
 * variable when the process starts): `MALLOC_ARENA_MAX=2 TOKIO_WORKER_THREADS=1 node app.js`, or
 * `env` in a container spec or a systemd unit. glibc gives each thread that allocates its own
 * malloc arena (up to 8 per core), and a node has several: the JavaScript thread, the QUIC
 * runtime's, V8's helpers, worker threads. Each arena keeps what is freed into it (a chunk goes
 * back to the arena it came from, whichever thread frees it) for its own later allocations,
 * resident meanwhile: the more arenas, the more free memory no other thread can reuse. Two arenas,
 * in a 50-node testnet (two host processes of 25 nodes a worker thread, idle): RSS per node 33.1 /
 * 33.5 → 27.2 / 28.7 MB, malloc's part 11.4 / 11.1 → 9.4 / 9.9 MB, idle CPU ×1.09 / ×1.11 (two
 * alternated pairs; bench/results/buffer-pool-arenas-2026-12-04.md). Ignored where the C library is
 * not glibc (musl, macOS).
 *
 * And one worker thread for the QUIC binding's Tokio runtime (Tokio reads TOKIO_WORKER_THREADS when
 * the binding builds its runtime, at the first QUIC call), instead of one per core: a node's QUIC
 * work is a few packets per connection, and two workers wake each other to share it. Idle 13-node
 * networks, bootstrap node with 12 peers (3 alternated pairs): the runtime's threads 0.37-0.39 →
 * 0.28-0.30 ms/s of CPU, the node 1.17 / 1.16 / 1.28 → 1.06 / 1.11 / 1.18 ms/s
 * (bench/results/tokio-one-worker-2026-12-07.md).
 */
export const NODE_PROCESS_ENV: Readonly<Record<string, string>> = Object.freeze({
  MALLOC_ARENA_MAX: '2',
  TOKIO_WORKER_THREADS: '1',
})
