// Where the testnet's nodes run and how each is set up: one process each or worker threads of host
// processes, each node's own loopback address, and the settings of a connection band.

import { availableParallelism } from 'node:os'
import type { TestnetOptions } from './options.js'
import type { ChildConfig } from './protocol.js'

/**
 * Each node's own loopback address, so that libp2p's per-host limits act as between machines:
 * registered node i on 127.1.x.y, intruder i on 127.2.x.y (Linux routes all of 127/8 to lo).
 */
export function loopbackHost(role: ChildConfig['role'], index: number): string {
  return `127.${role === 'intruder' ? 2 : 1}.${Math.floor(index / 250)}.${1 + (index % 250)}`
}

/**
 * Where nodes run: one process each, or `hosts` processes of `threadsPerHost` worker threads
 * (`nodesPerThread` each at most).
 */
export type Placement =
  | { kind: 'process' }
  | { kind: 'hosted'; hosts: number; nodesPerThread: number; threadsPerHost: number }

/**
 * Nodes per worker thread at most, unless asked. Each thread is a V8 isolate that collects its own
 * heap: fewer, fuller threads cost less (Farcaster's gossip profiler runs 25 js-libp2p nodes per
 * worker, our default until 2026-12-07). Scale bench at 250 nodes, three alternated pairs, 25 → 100
 * per thread with host processes without V8's memory reducer (channels.ts): idle CPU 2.03 / 2.36 /
 * 1.72 → 1.25 / 1.29 / 1.24 ms/s per node, busy 5.16 / 5.46 / 4.82 → 4.08 / 4.01 / 3.74, RSS 24.7 /
 * 22.5 / 22.9 → 16.1 / 16.5 / 18.2 MB per node, all ready 76 / 79 / 102 → 59 / 55 / 70 s, p50 69 /
 * 67 / 60 → 65 / 64 / 56 ms, p99 313 / 416 / 251 → 1061 / 433 / 192 ms
 * (bench/results/scale-threads-reducer-ab-2026-12-07.md).
 */
export const NODES_PER_THREAD = 100

/**
 * One process per node for small networks and for the fault scenarios (they kill processes);
 * otherwise one host process per core, or `nodesPerProcess` nodes per host when given, in threads of
 * `nodesPerThread` ({@link NODES_PER_THREAD} unless given).
 */
export function choosePlacement(options: TestnetOptions, cores = availableParallelism()): Placement {
  const perProcess = options.nodesPerProcess
  if (options.scenario !== 'none' || perProcess === 1 || (perProcess === 0 && options.nodes <= 16))
    return { kind: 'process' }
  const total = options.nodes + options.intruders
  const per = perProcess > 0 ? perProcess : Math.ceil(total / Math.max(1, cores))
  const nodesPerThread = Math.min(options.nodesPerThread > 0 ? options.nodesPerThread : NODES_PER_THREAD, per)
  return {
    kind: 'hosted',
    hosts: Math.ceil(total / per),
    nodesPerThread,
    threadsPerHost: Math.ceil(per / nodesPerThread),
  }
}

/**
 * Which of a host's node threads takes the next node, from how many each holds now (`loads`): a new
 * one while there are fewer than `threads` (returns -1), then the one holding fewest, below
 * `capacity` (-1 again when all are full). Nodes are spread, not packed: the nodes started last are
 * the busy ones (dials, identify, DHT lookups for a minute or more), and packed into the last thread
 * they would hold its event loop seconds behind while the threads of settled nodes idle.
 */
export function chooseThread(loads: readonly number[], threads: number, capacity: number): number {
  if (loads.length < threads) return -1
  let best = -1
  for (let i = 0; i < loads.length; i++) {
    const load = loads[i] ?? capacity
    if (load < capacity && (best === -1 || load < (loads[best] ?? capacity))) best = i
  }
  return best
}

/**
 * A node's settings for a connection band: trimmed to `low` at `high`, lookups stop at half `low`; with
 * fast timings a connection can be trimmed after 10 s (the library's grace period is a minute).
 */
export function degreeSettings(
  degree: { low: number; high: number },
  timings: TestnetOptions['timings'],
): NonNullable<ChildConfig['node']> {
  return {
    connectionLimits: {
      low: degree.low,
      high: degree.high,
      ...(timings === 'fast' ? { gracePeriodMs: 10_000 } : {}),
    },
    // Well below `low`: a node trimmed to `low` that loses one peer must not look up at once (a
    // DHT lookup dials the key's closest peers, which would push them over `high` again).
    rendezvous: { targetPeers: Math.min(12, Math.ceil(degree.low / 2)) },
  }
}
