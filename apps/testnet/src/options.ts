import { parseArgs } from 'node:util'

/** The most registered nodes a testnet runs (the preflight checks what the machine can give). */
export const MAX_NODES = 5_000

export const SCENARIOS = ['none', 'bootstrap-failover', 'late-bootstrap', 'partition', 'revoke'] as const
export type Scenario = (typeof SCENARIOS)[number]

/** The testnet's options, with their defaults. */
export interface TestnetOptions {
  /** Registered nodes, the bootstrap node included. @default 5 */
  nodes: number
  /** @default 'both' */
  transport: 'quic' | 'tcp' | 'both'
  /** Seconds of publishing (the whole run takes ~10 s more: start, mesh, drain). @default 10 */
  durationS: number
  /**
   * Quiet seconds once the mesh has formed, before counted publishing: a window in which the
   * network is idle (no event published), reported as `scenarioOutcome.timeline.idle` so that a
   * benchmark can read the idle cost per node. Scenario `none` only. @default 0
   */
  idleS: number
  /** Events per second per node. @default 5 */
  rate: number
  /** Bytes of padding per event. @default 64 */
  size: number
  /** Topics every node subscribes to. @default 3 */
  topics: number
  /** Nodes with unregistered wallets that keep trying to connect. @default 1 */
  intruders: number
  /** @default 'none' */
  scenario: Scenario
  /** Where to write the JSON report. @default undefined (none) */
  json: string | undefined
  /** First metrics port (node i listens on port + i); 0 = any free port. @default 0 */
  metricsPort: number
  /** Registry refresh interval of every node. @default 1000 (fast), 30000 (production) */
  refreshIntervalMs: number
  /**
   * `fast`: short bootstrap, rendezvous and QUIC timings so recovery shows within seconds;
   * `production`: the library's defaults, as operators run it. @default 'fast'
   */
  timings: 'fast' | 'production'
  /** Node processes started at a time (each batch listening before the next starts). @default all */
  startBatch: number
  /** Live terminal view; false prints plain lines. @default stdout is a TTY */
  live: boolean
  /**
   * Nodes per OS process: 1 runs each node in its own process (the fault scenarios, which kill
   * processes, always do); more runs them in worker threads of a few host processes. 0 chooses:
   * one process per node up to 16 nodes, beyond that one host process per core.
   * @default 0
   */
  nodesPerProcess: number
  /**
   * Nodes per worker thread of a host process; 0 chooses (25, Farcaster's figure). More per thread
   * means fewer V8 isolates, each collecting its own heap; fewer means shorter event-loop delays.
   * @default 0
   */
  nodesPerThread: number
  /** Each node's connection band (`--degree LOW-HIGH`): trimmed back to LOW once it reaches HIGH. */
  degree: { low: number; high: number } | undefined
  /**
   * `memory`: the parent answers each node's registry reads; `litesvm`: the registry is a token
   * mint in a LiteSVM chain that every registered wallet holds, read by @depin/solana-registry over
   * a local Solana JSON-RPC server, with its WebSocket subscription pushing changes (revoke burns
   * the token). @default 'memory'
   */
  registry: 'memory' | 'litesvm'
}

export const HELP = `Usage: npx -y pnpm@12.21.0 testnet [options]

Starts a local @depin/pubsub network of separate node processes on 127.0.0.1, publishes events,
refuses intruders, optionally runs a fault scenario, prints a summary and exits 0 only if every
node became ready, every counted event reached every subscriber and every intruder was refused.

Options:
  --nodes N            registered nodes, the bootstrap node included (default 5, 2 to 5000)
  --transport T        quic | tcp | both (default both)
  --duration S         seconds of publishing (default 10; the whole run takes ~20 s)
  --rate R             events per second per node (default 5, down to 0.0001: at
                       1000 nodes, 0.1 events/s across the network)
  --idle S             seconds with nothing published once the mesh has formed, before the
                       counted events (scenario none; default 0): the idle window of a benchmark
  --size B             padding bytes per event (default 64)
  --topics T           topics every node subscribes to (default 3)
  --intruders K        nodes with unregistered wallets that keep dialing (default 1)
  --scenario NAME      one of:
                         bootstrap-failover  two bootstrap nodes listed; the first is killed
                                             mid-run and a newcomer joins through the second
                         late-bootstrap      nodes start before the bootstrap node and retry
                                             until it appears
                         partition           every node but one is killed (the survivor goes
                                             not-ready), then restarted; all recover
                         revoke              a wallet is removed from the registry mid-run: its
                                             connections drop and its events stop arriving
  --json FILE          write a machine-readable report of every figure to FILE
  --metrics-port P     node i serves /metrics and /healthz on port P+i (default: any free port)
  --refresh-ms MS      registry refresh interval of every node (default 1000; 30000 with
                       --timings production)
  --timings T          fast | production: fast (default) shortens bootstrap retry, rendezvous
                       and QUIC timeouts so recovery shows within seconds; production keeps the
                       library's defaults (use it to measure cost at scale)
  --start-batch K      start nodes K at a time, each batch ready before the next (default: all
                       at once up to 16 nodes, then 25)
  --nodes-per-process K
                       nodes per OS process: 1 = one process each; more = worker threads of a
                       few host processes (default: 1 up to 16 nodes, then one host per core;
                       fault scenarios always use 1)
  --nodes-per-thread T nodes per worker thread of a host process (default 100)
  --degree LOW-HIGH    each node's connection band: at HIGH connections it closes the least
                       useful ones down to LOW (default: the library's, 32-64)
  --registry R         memory | litesvm: memory (default) answers registry reads from the
                       parent; litesvm keeps the registry on a LiteSVM chain (a token every
                       registered wallet holds) that nodes read with @depin/solana-registry
                       over a local RPC, with a WebSocket subscription (revoke burns the token)
  --plain              plain progress lines even on a terminal (default when stdout is not a TTY)
  -h, --help           show this help
`

/** A bad command line; the message names the option. */
export class UsageError extends Error {
  override name = 'UsageError'
}

function integer(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a number from ${min} to ${max} (got "${value}")`)
  return n
}

/** Parses argv; returns undefined when --help was asked. Throws {@link UsageError}. */
export function parseOptions(argv: string[], isTTY: boolean): TestnetOptions | undefined {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err))
  }
  const v = parsed.values
  if (v.help === true) return undefined
  const transport = v.transport ?? 'both'
  if (transport !== 'quic' && transport !== 'tcp' && transport !== 'both')
    throw new UsageError(`--transport must be quic, tcp or both (got "${transport}")`)
  const scenario = (v.scenario ?? 'none') as Scenario
  if (!SCENARIOS.includes(scenario))
    throw new UsageError(`--scenario must be one of ${SCENARIOS.join(', ')} (got "${v.scenario}")`)
  const nodes = Math.round(integer('nodes', v.nodes, 5, 2, MAX_NODES))
  const timings = v.timings ?? 'fast'
  if (timings !== 'fast' && timings !== 'production')
    throw new UsageError(`--timings must be fast or production (got "${timings}")`)
  if (scenario !== 'none' && nodes < 3) throw new UsageError(`--scenario ${scenario} needs --nodes 3 or more`)
  return {
    nodes,
    transport,
    durationS: integer('duration', v.duration, 10, 1, 3600),
    idleS: idle(v.idle, scenario),
    // Large networks need low rates: 1000 nodes at 0.01/s each is 10 events/s, ~10,000 deliveries.
    rate: integer('rate', v.rate, 5, 0.0001, 1000),
    size: Math.round(integer('size', v.size, 64, 0, 512 * 1024)),
    topics: Math.round(integer('topics', v.topics, 3, 1, 32)),
    intruders: Math.round(integer('intruders', v.intruders, 1, 0, 16)),
    scenario,
    json: v.json,
    metricsPort: Math.round(integer('metrics-port', v['metrics-port'], 0, 0, 65_000)),
    refreshIntervalMs: Math.round(
      integer('refresh-ms', v['refresh-ms'], timings === 'fast' ? 1_000 : 30_000, 100, 600_000),
    ),
    timings,
    startBatch: Math.round(
      integer('start-batch', v['start-batch'], nodes <= 16 ? MAX_NODES : 25, 1, MAX_NODES),
    ),
    live: isTTY && v.plain !== true,
    nodesPerProcess: Math.round(integer('nodes-per-process', v['nodes-per-process'], 0, 0, MAX_NODES)),
    nodesPerThread: Math.round(integer('nodes-per-thread', v['nodes-per-thread'], 0, 0, MAX_NODES)),
    degree: parseDegree(v.degree),
    registry: registryKind(v.registry),
  }
}

function registryKind(value: string | undefined): 'memory' | 'litesvm' {
  const kind = value ?? 'memory'
  if (kind !== 'memory' && kind !== 'litesvm')
    throw new UsageError(`--registry must be memory or litesvm (got "${value}")`)
  return kind
}

function idle(value: string | undefined, scenario: Scenario): number {
  const s = integer('idle', value, 0, 0, 3600)
  if (s > 0 && scenario !== 'none')
    throw new UsageError(`--idle applies to scenario none only (got --scenario ${scenario})`)
  return s
}

function parseDegree(value: string | undefined): TestnetOptions['degree'] {
  if (value === undefined) return undefined
  const match = /^(\d+)-(\d+)$/.exec(value)
  const low = Number(match?.[1])
  const high = Number(match?.[2])
  if (match === null || low < 1 || high < low)
    throw new UsageError(`--degree must be LOW-HIGH with 1 <= LOW <= HIGH, e.g. 8-16 (got "${value}")`)
  return { low, high }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      nodes: { type: 'string' },
      transport: { type: 'string' },
      duration: { type: 'string' },
      idle: { type: 'string' },
      rate: { type: 'string' },
      size: { type: 'string' },
      topics: { type: 'string' },
      intruders: { type: 'string' },
      scenario: { type: 'string' },
      json: { type: 'string' },
      'metrics-port': { type: 'string' },
      'refresh-ms': { type: 'string' },
      timings: { type: 'string' },
      'start-batch': { type: 'string' },
      'nodes-per-process': { type: 'string' },
      'nodes-per-thread': { type: 'string' },
      degree: { type: 'string' },
      registry: { type: 'string' },
      plain: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}
