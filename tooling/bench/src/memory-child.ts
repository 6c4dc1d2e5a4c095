// One measured node in its own process (so its RSS is its own): joins the bench database through the
// parent's node, optionally publishes at a rate, samples memory every second, reports over IPC.
import { type BootstrapNode, connect } from '@depin/pubsub'

/** What the parent sends. */
export interface MemoryChildInit {
  role: 'idle' | 'busy'
  secretKeyBase58: string
  authorized: string[]
  bootstrap: BootstrapNode
  durationMs: number
  rate: number
  size: number
}

/** What the child answers. */
export interface MemoryChildReport {
  role: 'idle' | 'busy'
  samples: number
  rssStartMb: number
  rssEndMb: number
  rssMaxMb: number
  heapUsedStartMb: number
  heapUsedEndMb: number
  heapUsedMaxMb: number
  /** Heap still in use after a full GC (`--expose-gc`), at the start and at the end: what is retained. */
  heapRetainedStartMb: number
  heapRetainedEndMb: number
  published: number
  received: number
}

/** The child's one message: its report, or why it has none. */
export interface MemoryChildAnswer {
  type: 'report'
  ok: boolean
  report?: MemoryChildReport
  error?: string
}

const mb = (bytes: number): number => bytes / 1024 / 1024

/** Heap in use after a full collection (the child runs with --expose-gc); NaN without it. */
function retainedHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) return Number.NaN
  gc()
  return process.memoryUsage().heapUsed
}

process.once('message', async (init: MemoryChildInit) => {
  try {
    const db = await connect({
      walletPrivateKey: init.secretKeyBase58,
      databaseName: 'memory',
      getAuthorizedWallets: async () => init.authorized,
      getBootstrapNodes: async () => [init.bootstrap],
      listenHost: '127.0.0.1',
      listenPorts: { quic: 0, tcp: 0 },
      node: { transports: { quic: false, tcp: true } },
    })
    let received = 0
    await db.subscribe(init.role, () => {
      received++
    })
    await db.waitUntilReady({ timeoutMs: 30_000 })
    if (init.role === 'busy') await db.waitForTopicPeers('busy', { min: 1, timeoutMs: 30_000 })
    const rss: number[] = []
    const heap: number[] = []
    const sample = (): void => {
      const m = process.memoryUsage()
      rss.push(m.rss)
      heap.push(m.heapUsed)
    }
    const retainedStart = retainedHeap()
    sample()
    const sampler = setInterval(sample, 1_000)
    let published = 0
    const padding = 'x'.repeat(init.size)
    const started = performance.now()
    while (performance.now() - started < init.durationMs) {
      if (init.role === 'busy') {
        const slot = started + (published * 1000) / init.rate
        const wait = slot - performance.now()
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
        await db.publish('busy', { n: published, p: padding })
        published++
      } else {
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
    clearInterval(sampler)
    sample()
    const retainedEnd = retainedHeap()
    const report: MemoryChildReport = {
      role: init.role,
      samples: rss.length,
      rssStartMb: mb(rss[0] ?? 0),
      rssEndMb: mb(rss.at(-1) ?? 0),
      rssMaxMb: mb(Math.max(...rss)),
      heapUsedStartMb: mb(heap[0] ?? 0),
      heapUsedEndMb: mb(heap.at(-1) ?? 0),
      heapUsedMaxMb: mb(Math.max(...heap)),
      heapRetainedStartMb: mb(retainedStart),
      heapRetainedEndMb: mb(retainedEnd),
      published,
      received,
    }
    await db.disconnect()
    process.send?.({ type: 'report', ok: true, report } satisfies MemoryChildAnswer, () => process.exit(0))
  } catch (err) {
    process.send?.(
      { type: 'report', ok: false, error: (err as Error).message } satisfies MemoryChildAnswer,
      () => process.exit(1),
    )
  }
})
