import { num, size, spreadCell, spreadText, table } from './format-cells.js'
import { catchUpMarkdown, vsGoMarkdown } from './format-sections.js'
import type { BenchResults } from './results.js'

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
      `## Scale: apps/testnet, N nodes on this machine (${sc.idleS} s idle, then ${sc.durationS} s of publishing, ${sc.networkRate} events/s across the network on one topic; QUIC; \`--timings production\`; ${sc.startBatch} nodes started at a time; \`--nodes-per-process ${sc.nodesPerProcess}\`${sc.nodesPerProcess === 0 ? ' (automatic)' : ''}${(sc.nodesPerThread ?? 0) > 0 ? `, \`--nodes-per-thread ${sc.nodesPerThread}\`` : ''}; at most ${sc.sizeTimeoutS === null ? '900 s + 2 s per node' : `${sc.sizeTimeoutS} s`} per size)`,
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
