// The vs-Go and catch-up sections of the bench's Markdown report.

import { num, size, spreadText, table } from './format-cells.js'
import type { BenchResults } from './results.js'

const RECEIVER_NOTE =
  "over what its process held just before (after a full GC both times, 7 s after the last event so that GossipSub's message cache let them go; GossipSub's cache of seen ids, kept 2 minutes, is included),"

export function catchUpMarkdown(c: NonNullable<BenchResults['catchUp']>): string[] {
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

export function vsGoMarkdown(v: NonNullable<BenchResults['vsGo']>): string[] {
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
    `Idle network: one bootstrap node and ${v.idle.peers} others joined through it, all subscribed; CPU over ${v.idle.windowMs / 1000} s once settled${v.idle.settleMs === undefined ? '' : ` (${v.idle.settleMs / 1000} s after the bootstrap node had its peers)`}. Bootstrap node (${v.idle.peers} peers): Go ${spreadText(v.idle.go)} ms/s, ours ${spreadText(v.idle.ts)} ms/s; median node: Go ${spreadText(v.idle.goNetwork)} ms/s, ours ${spreadText(v.idle.tsNetwork)} ms/s.`,
  )
  return out
}
