import type { BenchResults } from './results.js'
import type { CountSpread } from './scale-bench.js'
import type { Spread } from './stats.js'

const num = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v)
    ? '–'
    : v >= 1000
      ? v.toFixed(0)
      : v >= 100
        ? v.toFixed(1)
        : v.toFixed(digits)

/** "median (min–max)" */
export const spreadText = (s: Spread | undefined, digits = 2): string =>
  s === undefined || s.runs === 0
    ? '–'
    : `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})`

/** "min / median / max" of a testnet spread (counts per node). */
const spreadCell = (s: CountSpread | undefined): string =>
  s === undefined ? '–' : `${s.min ?? '–'} / ${s.median ?? '–'} / ${s.max ?? '–'}`

const size = (bytes: number): string => (bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`)

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n')
}

/** The Markdown report (also what bench/README.md's Performance table is made of). */
export function markdown(r: BenchResults): string {
  const m = r.machine
  const parts: string[] = []
  parts.push(`# Benchmarks — ${r.date.slice(0, 10)} (${r.profile})`)
  parts.push(
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB RAM, Node ${m.node}, ${m.os}. Load average (1/5/15 min) at start ${m.loadAverageStart.join(' / ')}${m.loadAverageEnd ? `, at end ${m.loadAverageEnd.join(' / ')}` : ''}. Command: \`${r.command}\`. Every figure is median (min–max) over the runs given; ratios are computed per interleaved pair (ours, raw, NATS, ours, raw, NATS, …) then summarised.`,
  )
  parts.push('## Goals')
  parts.push(
    table(
      ['goal', 'status', 'detail'],
      r.goals.map((g) => [g.goal, g.status, g.detail]),
    ),
  )
  if (r.pubsub !== undefined && r.pubsub.length > 0) {
    const runs = r.pubsub[0]?.ours.p50Ms.runs ?? 0
    parts.push(
      `## Latency and throughput: @depin/pubsub vs raw @libp2p/gossipsub vs NATS core (${runs} runs each)`,
    )
    parts.push(
      'One publisher, every other node subscribed, in one process on loopback; latency is publish call → handler at each subscriber. Steady = fixed rate; burst = back-to-back publishes. msgs/s counts events delivered to every subscriber, first publish → last delivery. NATS: one connection per node to a local nats-server (TCP rows).',
    )
    parts.push(
      table(
        [
          'nodes',
          'transport',
          'payload',
          'mode',
          'p50 ms ours / raw / nats',
          'p99 ms ours / raw / nats',
          'max ms ours / raw / nats',
          'msgs/s ours / raw / nats',
          'MB/s ours / raw / nats',
          'CPU µs/delivery ours / raw / nats',
          'ours÷raw p50',
          'ours÷raw p99',
          'ours÷raw msgs/s',
          'ours÷raw CPU/delivery',
          'ours÷nats p50',
          'ours÷nats msgs/s',
        ],
        r.pubsub.map((c) => [
          String(c.nodes),
          c.transport,
          size(c.size),
          c.mode === 'steady' ? `steady ${c.rate}/s (${c.count})` : `burst (${c.count})`,
          `${num(c.ours.p50Ms.median)} / ${num(c.raw.p50Ms.median)} / ${num(c.nats?.p50Ms.median)}`,
          `${num(c.ours.p99Ms.median)} / ${num(c.raw.p99Ms.median)} / ${num(c.nats?.p99Ms.median)}`,
          `${num(c.ours.maxMs.median)} / ${num(c.raw.maxMs.median)} / ${num(c.nats?.maxMs.median)}`,
          `${num(c.ours.msgsPerSec.median, 0)} / ${num(c.raw.msgsPerSec.median, 0)} / ${num(c.nats?.msgsPerSec.median, 0)}`,
          `${num(c.ours.mbPerSec.median)} / ${num(c.raw.mbPerSec.median)} / ${num(c.nats?.mbPerSec.median)}`,
          `${num(c.ours.cpuUsPerDelivery.median, 0)} / ${num(c.raw.cpuUsPerDelivery.median, 0)} / ${num(c.nats?.cpuUsPerDelivery.median, 0)}`,
          spreadText(c.ratioVsRaw.p50),
          spreadText(c.ratioVsRaw.p99),
          spreadText(c.ratioVsRaw.msgsPerSec),
          spreadText(c.ratioVsRaw.cpuPerDelivery),
          spreadText(c.ratioVsNats?.p50),
          spreadText(c.ratioVsNats?.msgsPerSec),
        ]),
      ),
    )
    const inc = r.pubsub.filter(
      (c) =>
        c.ours.deliveryRatio.min < 1 || c.raw.deliveryRatio.min < 1 || (c.nats?.deliveryRatio.min ?? 1) < 1,
    )
    if (inc.length > 0)
      parts.push(
        `Incomplete deliveries (lowest delivery ratio ours / raw / nats): ${inc.map((c) => `${c.nodes}n ${c.transport} ${size(c.size)} ${c.mode}: ${num(c.ours.deliveryRatio.min, 3)} / ${num(c.raw.deliveryRatio.min, 3)} / ${num(c.nats?.deliveryRatio.min, 3)}`).join('; ')}`,
      )
  }
  if (r.nats !== undefined)
    parts.push(`NATS: ${r.nats.status}${r.nats.version ? ` (${r.nats.version})` : ''}`)
  if (r.gater !== undefined) {
    const g = r.gater.gaterBench
    parts.push(`## Gater (${r.gater.wallets} wallets, ${r.gater.runs} runs of packages/gater's bench)`)
    parts.push(
      table(
        ['figure', 'median (min–max)'],
        [
          ['cache hit, connection gater hook (ns)', spreadText(g.hitNsPerOp, 0)],
          ['cache hit, isAuthorizedCached (ns)', spreadText(g.hitCachedNsPerOp, 0)],
          ['miss, new unknown key (ns)', spreadText(g.missNewKeyNsPerOp, 0)],
          ['miss, remembered denial (ns)', spreadText(g.missRememberedNsPerOp, 0)],
          ['seed-style base58 Set lookup, for comparison (ns)', spreadText(g.baselineBase58SetNsPerOp, 0)],
          ['refresh of all wallets (ms)', spreadText(g.refreshMs)],
          ['longest event-loop block during refresh (ms)', spreadText(g.refreshMaxBlockMs)],
          ['first load (ms)', spreadText(g.initialLoadMs)],
          ['longest block during first load (ms)', spreadText(g.initialLoadMaxBlockMs)],
          [
            'registry calls per 1000 dials from unknown keys, back to back',
            spreadText(r.gater.registryCallsPer1000UnknownDialsBurst),
          ],
          [
            `registry calls per 1000 dials from unknown keys over ${r.gater.pacedOverMs} ms`,
            spreadText(r.gater.registryCallsPer1000UnknownDialsPaced),
          ],
        ],
      ),
    )
  }
  if (r.startup !== undefined) {
    parts.push('## Start → ready with one bootstrap peer (ms)')
    parts.push(
      table(
        [
          'transport',
          'ours connect() → listening',
          'ours connect() → ready',
          'ours time to first peer',
          'raw createLibp2p → listening',
          'raw time to first peer (explicit dial)',
          'ours÷raw start → first peer',
        ],
        r.startup.map((s) => [
          s.transport,
          spreadText(s.oursStartMs),
          spreadText(s.oursStartToReadyMs),
          spreadText(s.oursTimeToFirstPeerMs),
          spreadText(s.rawStartMs),
          spreadText(s.rawTimeToFirstPeerMs),
          spreadText(s.ratioStartToFirstPeer),
        ]),
      ),
    )
  }
  if (r.scale !== undefined) {
    const sc = r.scale
    parts.push(
      `## Scale: apps/testnet, N nodes on this machine (${sc.idleS} s idle, then ${sc.durationS} s of publishing, ${sc.networkRate} events/s across the network on one topic; QUIC; \`--timings production\`; ${sc.startBatch} nodes started at a time; \`--nodes-per-process ${sc.nodesPerProcess}\`${sc.nodesPerProcess === 0 ? ' (automatic)' : ''}; at most ${sc.sizeTimeoutS} s per size)`,
    )
    parts.push(
      table(
        [
          'nodes',
          'status',
          'delivered',
          'p50 / p99 / max ms',
          'peers min / median / max',
          'connections opened per node min / median / max',
          'all ready s',
          'mesh s',
          'processes',
          'RSS per node MB (peak)',
          'marginal RSS MB',
          'idle CPU ms/s per node',
          'busy CPU ms/s per node',
          'CPU per delivery µs',
        ],
        sc.rows.map((x) => [
          String(x.nodes),
          x.status === 'ran' ? (x.ok ? 'ok' : `not ok: ${(x.failedChecks ?? []).join('; ')}`) : x.status,
          x.deliveredRatio === undefined
            ? '–'
            : x.expected === 0
              ? '– (no measured phase)'
              : `${(100 * x.deliveredRatio).toFixed(2)}% (${x.delivered}/${x.expected})`,
          x.p50Ms === undefined ? '–' : `${num(x.p50Ms)} / ${num(x.p99Ms)} / ${num(x.maxMs)}`,
          spreadCell(x.peers),
          spreadCell(x.connectionsOpened),
          num(x.allReadyMs === undefined || x.allReadyMs === null ? x.allReadyMs : x.allReadyMs / 1000, 1),
          num(x.meshMs === undefined || x.meshMs === null ? x.meshMs : x.meshMs / 1000, 1),
          x.processes === undefined ? '–' : String(x.processes),
          num(x.rssPerNodeMb, 1),
          num(x.marginalRssMb, 1),
          num(x.idleCpuMsPerNodeS, 2),
          num(x.busyCpuMsPerNodeS, 2),
          num(x.cpuPerDeliveryUs, 0),
        ]),
      ),
    )
    parts.push(
      `Largest N where every event reached every subscriber: **${sc.largestFullDelivery ?? 'none'}**. Marginal RSS: the slope of the summed peak RSS from the previous size. Idle CPU: over the last 30 s of the quiet window (at most its second half; before that the network is still busy with its start). CPU per delivery: CPU over the idle rate while publishing, divided by the deliveries.`,
    )
  }
  if (r.memory !== undefined) {
    const mem = r.memory
    parts.push(`## Memory of one node over ${Math.round(mem.durationMs / 1000)} s (MB)`)
    parts.push(
      table(
        [
          'node',
          'RSS start',
          'RSS end',
          'RSS max',
          'heap used start',
          'heap used end',
          'heap used max',
          'heap after GC start → end',
          'published',
          'received',
        ],
        [mem.idle, mem.busy].map((x) => [
          x.role === 'busy' ? `busy (${mem.busyRate} msgs/s out and in, ${size(mem.size)})` : 'idle',
          num(x.rssStartMb, 0),
          num(x.rssEndMb, 0),
          num(x.rssMaxMb, 0),
          num(x.heapUsedStartMb, 1),
          num(x.heapUsedEndMb, 1),
          num(x.heapUsedMaxMb, 1),
          `${num(x.heapRetainedStartMb, 1)} → ${num(x.heapRetainedEndMb, 1)}`,
          String(x.published),
          String(x.received),
        ]),
      ),
    )
  }
  const skipped = Object.entries(r.skipped)
  if (skipped.length > 0) parts.push(`## Skipped\n${skipped.map(([k, v]) => `- ${k}: ${v}`).join('\n')}`)
  if (r.vsGo !== undefined) parts.push(...vsGoMarkdown(r.vsGo))
  if (r.catchUp !== undefined) parts.push(...catchUpMarkdown(r.catchUp))
  return `${parts.join('\n\n')}\n`
}

const RECEIVER_NOTE =
  "over what its process held just before (after a full GC both times, 7 s after the last event so that GossipSub's message cache let them go; GossipSub's cache of seen ids, kept 2 minutes, is included),"

function catchUpMarkdown(c: NonNullable<BenchResults['catchUp']>): string[] {
  const out: string[] = []
  const mib = (bytes: number): string => num(bytes / 1024 / 1024)
  out.push(
    `## Catch-up: ${Math.round(c.awayMs / 1000)} s away at ${c.rate} events/s (${size(c.sizeBytes)} payload)`,
  )
  out.push(
    `The publisher P (and, with three holders, two more subscribed nodes) in the bench's process; the subscriber S in a child process (\`--expose-gc\`, the node's production flags); \`connect()\` with production timings, QUIC on 127.0.0.1. S takes a live event, \`db.disconnect()\`s, P publishes ${c.rate} events/s while it is away, then S \`connect()\`s again with the same wallet and subscribes with \`catchUp: { sinceMs: <when it left> }\`. Times and CPU are S's own (\`process.cpuUsage\`, every thread): subscribe() → the first / the last missed event in its handler, and connect() → last (connect() plus subscribe → last). Bytes are the history metrics (answers received by S, sent by the holders). Holders' CPU: the bench's process (P, the other holders, the harness) from the return to S reporting everything in; in \`live\` P also publishes. Retained: S's heap and ArrayBuffers after a full GC, after the catch-up over before subscribing, per event its history holds.`,
  )
  out.push(
    table(
      [
        'scenario',
        'holders',
        'missed',
        'delivered once, replayed',
        'live delivered',
        'connect() ms',
        'subscribe → first ms',
        'subscribe → all ms',
        'connect() → all ms',
        'events/s',
        'received MiB (÷ event bytes)',
        'holders sent MiB',
        'requests (failed)',
        'duplicates',
        'S CPU ms (µs/event)',
        'holders CPU ms',
        'S peak RSS MB',
        'retained B/event (heap + ArrayBuffers)',
      ],
      c.runs.map((x) => {
        const s = x.subscriber
        const h = s.history
        const once = s.missedDelivered - s.missedNotReplayed
        return [
          x.scenario,
          String(x.holders),
          String(s.missed),
          `${once}/${s.missed}${s.missedExtraDeliveries > 0 ? ` (+${s.missedExtraDeliveries} twice)` : ''}`,
          s.live === 0
            ? '–'
            : `${s.liveDelivered}/${s.live}${s.liveReplayed > 0 ? ` (${s.liveReplayed} replayed)` : ''}${s.liveExtraDeliveries > 0 ? ` (+${s.liveExtraDeliveries} twice)` : ''}`,
          num(s.connectMs, 1),
          num(s.subscribeToFirstMs, 1),
          num(s.subscribeToAllMs, 1),
          num(x.returnToAllMs, 1),
          num(x.recoveredPerSecond, 0),
          `${mib(h.bytesReceived)} (×${num(x.bytesReceivedPerEventByte)})`,
          mib(x.holdersBytesSent),
          `${h.requestsMade} (${h.requestsFailed})`,
          String(h.duplicates),
          `${num(s.catchUpCpuMs, 0)} (${num(x.cpuPerEventUs, 0)})`,
          num(x.holdersCpuMs, 0),
          num(s.peakRssMb, 1),
          s.retained.historyEvents === 0
            ? '–'
            : `${num((s.retained.heapBytes + s.retained.arrayBuffersBytes) / s.retained.historyEvents, 0)} (${num(s.retained.heapBytes / s.retained.historyEvents, 0)} + ${num(s.retained.arrayBuffersBytes / s.retained.historyEvents, 0)})`,
        ]
      }),
    ),
  )
  const rc = c.receiver
  if (rc !== undefined)
    out.push(
      `History memory of a node: a node in its own process (\`--expose-gc\`, history bounds raised to keep every event) received ${rc.received} events of ${size(c.sizeBytes)} live from P at ${rc.rate}/s; ${RECEIVER_NOTE} it kept heap ${mib(rc.heapBytes)} MiB + ArrayBuffers ${mib(rc.arrayBuffersBytes)} MiB = **${mib(rc.heapBytes + rc.arrayBuffersBytes)} MiB for ${rc.historyEvents} history events, ${num(rc.perEventBytes, 0)} B per event**; the history's own estimate (its byte bound counts this) ${mib(rc.estimateBytes)} MiB.`,
    )
  const st = c.store
  if (st !== undefined)
    out.push(
      `History memory: a HistoryStore filled with ${st.events} events of ${st.eventBytes} B each (JSON of a ${size(c.sizeBytes)} payload; each kept as a received event is: one buffer, the signed message, here encoded back to back so that they fill the buffer pool's slabs by themselves), alone in a fresh process with \`--expose-gc\`, after two full GCs: heap ${mib(st.heapBytes)} MiB + ArrayBuffers ${mib(st.arrayBuffersBytes)} MiB = **${mib(st.heapBytes + st.arrayBuffersBytes)} MiB for ${st.kept} events, ${num(st.perEventBytes, 0)} B per event** (${num(st.perEventBytes / st.eventBytes)}× the event's bytes); RSS +${mib(st.rssBytes)} MiB. The store's own estimate, which its byte bound counts: ${mib(st.estimateBytes)} MiB; with HISTORY_DEFAULTS' bounds (10,000 events, 16 MiB) a database keeps ${st.keptAtDefaults} events of this size.`,
    )
  return out
}

function vsGoMarkdown(v: NonNullable<BenchResults['vsGo']>): string[] {
  const out: string[] = []
  out.push(
    `## vs Go: three-node networks, the Go implementation and ours side by side (${v.repeats} interleaved repeats)`,
  )
  out.push(
    `Each node its own OS process, QUIC on 127.0.0.1; a trio is bootstrap/publisher/subscriber; the publisher sends ${v.load.events} events of ${size(v.load.sizeBytes)} one every ${v.load.intervalMs} ms and both other nodes receive (latency pooled over both). Go: tooling/interop-go --as-shipped (${Object.entries(
      v.versions,
    )
      .map(([k, val]) => `${k} ${val}`)
      .join(
        ', ',
      )}). Ours: the lean build (one bundled file, started from the code cache of a started process). CPU from /proc: the whole run from /proc/<pid>/stat (every thread, 10 ms ticks), the publishing and idle phases from /proc/<pid>/task/*/schedstat (live threads, ns); RSS from /proc/<pid>/status.`,
  )
  out.push(
    table(
      [
        'trio',
        'p50 ms',
        'p99 ms',
        'CPU/node whole run ms',
        'CPU/node publishing ms',
        'CPU/delivery µs',
        'idle CPU/node ms/s',
        'idle RSS/node MB',
        'peak RSS/node MB',
        'spawn → listening ms',
        'spawn → first peer ms',
        'delivered',
      ],
      v.trios.map((t) => [
        t.trio,
        spreadText(t.latencyP50Ms),
        spreadText(t.latencyP99Ms),
        spreadText(t.cpuWholeRunPerNodeMs, 0),
        spreadText(t.cpuPublishingPerNodeMs, 0),
        spreadText(t.cpuPerDeliveryUs, 0),
        spreadText(t.idleCpuPerNodeMsPerS),
        spreadText(t.idleRssPerNodeMb, 1),
        spreadText(t.peakRssPerNodeMb, 1),
        spreadText(t.spawnToListeningMs, 0),
        spreadText(t.spawnToFirstPeerMs, 0),
        spreadText(t.deliveredRatio),
      ]),
    ),
  )
  out.push('All-TS ÷ all-Go, per interleaved repeat:')
  out.push(
    table(
      ['figure', 'ours ÷ Go'],
      Object.entries(v.ratios).map(([k, s]) => [k, spreadText(s)]),
    ),
  )
  if (v.baseline !== undefined) {
    out.push(
      `Before → after in the same run: base/base/base is ${v.baseline.node} (idle bootstrap node ${spreadText(v.baseline.idle)} ms/s). Ours ÷ base, per repeat:`,
    )
    out.push(
      table(
        ['figure', 'after ÷ before'],
        Object.entries(v.baseline.afterOverBefore).map(([k, s]) => [k, spreadText(s)]),
      ),
    )
  }
  out.push(
    `Idle network: one bootstrap node and ${v.idle.peers} others joined through it, all subscribed; CPU over ${v.idle.windowMs / 1000} s once settled. Bootstrap node (${v.idle.peers} peers): Go ${spreadText(v.idle.go)} ms/s, ours ${spreadText(v.idle.ts)} ms/s; median node: Go ${spreadText(v.idle.goNetwork)} ms/s, ours ${spreadText(v.idle.tsNetwork)} ms/s.`,
  )
  return out
}
