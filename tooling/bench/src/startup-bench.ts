import { type BootstrapNode, connect, type Database } from '@depin/pubsub'
import { generateWallets } from '@depin/test-utils'
import { type BenchTransport, createRawNode } from './raw-node.js'
import { type Spread, spread } from './stats.js'

/** Start-up figures for one transport: ours (connect → listening → ready) and raw (createLibp2p → dial). */
export interface StartupFigures {
  transport: BenchTransport
  /** connect() call until it resolved (listening). */
  oursStartMs: Spread
  /** connect() call until the `ready` event (first peer: the bootstrap node). */
  oursStartToReadyMs: Spread
  /** From listening to the first peer (ready). */
  oursTimeToFirstPeerMs: Spread
  /** createLibp2p() until started (listening). */
  rawStartMs: Spread
  /** Raw: from listening to a connection to the bootstrap node (an explicit dial). */
  rawTimeToFirstPeerMs: Spread
  /** ours / raw start → first peer, per interleaved pair. */
  ratioStartToFirstPeer: Spread
}

function entryFor(wallet: string, addrs: string[], transport: BenchTransport): BootstrapNode {
  const re = transport === 'quic' ? /\/udp\/(\d+)\/quic-v1/ : /\/tcp\/(\d+)/
  const port = Number(addrs.map((a) => a.match(re)?.[1]).find((p) => p !== undefined))
  return {
    publicKey: wallet,
    ip: '127.0.0.1',
    ...(transport === 'quic' ? { quicPort: port } : { tcpPort: port }),
  }
}

/** One bootstrap node (ours and raw) per transport; each run starts a fresh node that finds it. */
export async function runStartupBench({
  transports,
  runs,
  log = () => {},
}: {
  transports: BenchTransport[]
  runs: number
  log?: (line: string) => void
}): Promise<StartupFigures[]> {
  const out: StartupFigures[] = []
  for (const transport of transports) {
    log(`startup: ${runs} runs over ${transport}`)
    const ws = generateWallets(runs * 2 + 2)
    const authorized = ws.map((w) => w.wallet)
    const [bootWallet, rawBootWallet] = ws as [(typeof ws)[number], (typeof ws)[number]]
    const base = {
      databaseName: 'startup',
      getAuthorizedWallets: async () => authorized,
      listenHost: '127.0.0.1',
      listenPorts: { quic: 0, tcp: 0 },
      node: { transports: { quic: transport === 'quic', tcp: transport === 'tcp' } },
    }
    const boot = await connect({
      ...base,
      walletPrivateKey: bootWallet.secretKeyBase58,
      getBootstrapNodes: async () => [],
    })
    const rawBoot = await createRawNode(rawBootWallet.identity.privateKey, transport)
    const entry = entryFor(bootWallet.wallet, boot.multiaddrs(), transport)
    const rows: Array<{ start: number; ready: number; first: number; rawStart: number; rawFirst: number }> =
      []
    try {
      for (let i = 0; i < runs; i++) {
        const w = ws[2 + i * 2] as (typeof ws)[number]
        const rw = ws[3 + i * 2] as (typeof ws)[number]
        let db: Database | undefined
        const t0 = performance.now()
        try {
          db = await connect({
            ...base,
            walletPrivateKey: w.secretKeyBase58,
            getBootstrapNodes: async () => [entry],
          })
          const t1 = performance.now()
          await db.waitUntilReady({ timeoutMs: 30_000 })
          const t2 = performance.now()
          const r0 = performance.now()
          const raw = await createRawNode(rw.identity.privateKey, transport)
          const r1 = performance.now()
          await raw.dial(rawBoot.getMultiaddrs())
          const r2 = performance.now()
          await raw.stop()
          rows.push({ start: t1 - t0, ready: t2 - t0, first: t2 - t1, rawStart: r1 - r0, rawFirst: r2 - r1 })
        } finally {
          await db?.disconnect()
        }
      }
    } finally {
      await Promise.allSettled([boot.disconnect(), rawBoot.stop()])
    }
    out.push({
      transport,
      oursStartMs: spread(rows.map((r) => r.start)),
      oursStartToReadyMs: spread(rows.map((r) => r.ready)),
      oursTimeToFirstPeerMs: spread(rows.map((r) => r.first)),
      rawStartMs: spread(rows.map((r) => r.rawStart)),
      rawTimeToFirstPeerMs: spread(rows.map((r) => r.rawFirst)),
      ratioStartToFirstPeer: spread(rows.map((r) => r.ready / (r.rawStart + r.rawFirst))),
    })
  }
  return out
}
