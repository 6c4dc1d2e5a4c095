import { parseSecretKey } from '@depin/identity'
import { acquireNode, type NodeLease } from '@depin/infrastructure'
import type { Database, DatabaseConfig, Logger, PubSubEvent } from '@depin/pubsub'
import { type GeneratedWallet, generateWallets, waitFor } from '@depin/test-utils'
import { peerIdFromString } from '@libp2p/peer-id'
import { afterEach, beforeAll, describe, expect, inject, test } from 'vitest'
import { bootstrapNodeFromAddrs } from './helpers/bootstrap-node.js'
import { builtGoBinary, GO_SKIP_REASON } from './helpers/go-binary.js'
import { type GoLine, type GoNode, startGoNode } from './helpers/go-node.js'
import { openDatabase } from './helpers/open-database.js'
import type { WireEvent } from './helpers/ts-node.js'

// Catch-up history (/depin/history/1.0.0) in a network with a Go node, which does not speak it:
// a late TS subscriber gets what it missed from a TS peer's history, and the Go peer is skipped
// without a failure or a log line. The test prints its figures on a `[history]` line.

const suite =
  GO_SKIP_REASON === undefined
    ? 'Go interop: catch-up history'
    : `Go interop: catch-up history (skipped: ${GO_SKIP_REASON})`

const EVENTS = 10
const HISTORY_PROTOCOL = '/depin/history/1.0.0'

function report(name: string, figures: Record<string, unknown>): void {
  console.log(`[history] ${name}: ${JSON.stringify(figures)}`)
}

/** A logger that keeps every line at each level (message and key-values). */
function recordingLogger(): Logger & Record<'debugs' | 'infos' | 'warnings' | 'errors', string[]> {
  const debugs: string[] = []
  const infos: string[] = []
  const warnings: string[] = []
  const errors: string[] = []
  const line = (msg: string, kv: unknown[]): string =>
    `${msg} ${kv.map((v) => (v instanceof Error ? `${v.name}: ${v.message}` : String(v))).join(' ')}`
  return {
    debugs,
    infos,
    warnings,
    errors,
    debug: (msg: string, ...kv: unknown[]) => void debugs.push(line(msg, kv)),
    info: (msg: string, ...kv: unknown[]) => void infos.push(line(msg, kv)),
    warn: (msg: string, ...kv: unknown[]) => void warnings.push(line(msg, kv)),
    error: (msg: string, ...kv: unknown[]) => void errors.push(line(msg, kv)),
  }
}

describe.skipIf(GO_SKIP_REASON !== undefined)(suite, () => {
  let binary = ''
  const goNodes: GoNode[] = []
  const dbs: Database[] = []
  const leases: NodeLease[] = []

  beforeAll(() => {
    binary = builtGoBinary(inject('interopGo'))
  })

  afterEach(async () => {
    await Promise.allSettled(leases.splice(0).map((l) => l.release()))
    await Promise.allSettled([
      ...goNodes.splice(0).map((n) => n.stop()),
      ...dbs.splice(0).map((d) => d.disconnect()),
    ])
  })

  const open = (
    wallet: GeneratedWallet,
    databaseName: string,
    authorized: string[],
    extra: Partial<DatabaseConfig> = {},
  ): Promise<Database> => openDatabase(dbs, wallet, databaseName, authorized, extra)
  const quicOf = (addrs: string[]): string => {
    const found = addrs.find((a) => a.includes('/quic-v1/'))
    if (found === undefined) throw new Error(`no QUIC address among ${addrs.join(' ')}`)
    return found
  }
  /** The libp2p node of `wallet` (this process's shared node, the one its connect() runs on). */
  const libp2pOf = async (wallet: GeneratedWallet) => {
    const lease = await acquireNode({
      identity: parseSecretKey(wallet.secretKeyBase58),
      getBootstrapNodes: async () => [],
    })
    leases.push(lease)
    const libp2p = lease.node.libp2p
    return {
      /** The protocols it knows a peer by (from identify); none before identify completes. */
      protocolsOf: async (peer: string): Promise<string[]> =>
        (await libp2p.peerStore.get(peerIdFromString(peer)).catch(() => undefined))?.protocols ?? [],
      /** Opens a stream to `peer` for `protocol` on the existing connection; resolves to the error's name. */
      tryProtocol: async (peer: string, protocol: string): Promise<string> => {
        try {
          const stream = await libp2p.dialProtocol(peerIdFromString(peer), protocol)
          await stream.close()
          return 'opened'
        } catch (err) {
          return err instanceof Error ? err.name : String(err)
        }
      },
    }
  }
  const isEventFrom = (from: string, ids?: ReadonlySet<string>) => (l: GoLine) =>
    l.type === 'event' && l.from === from && (ids === undefined || ids.has((l.event as WireEvent).id))

  test('A Go peer in the network: catch-up from TS peers works, no error from the Go one', async () => {
    // (A name without "history" in it: the log check below looks for that word.)
    const name = 'catch-up-go-peer'
    const [aw, gw, sw] = generateWallets(3)
    const authorized = [aw!.wallet, gw!.wallet, sw!.wallet]

    // A: the TS publisher. G: a Go node (default mode: it validates nothing and keeps no history),
    // bootstrapped to A and subscribed to `rooms`.
    const a = await open(aw!, name, authorized)
    await a.subscribe('rooms', () => {})
    const g = await startGoNode({
      binary,
      secretKey: gw!.secretKeyBase58,
      db: name,
      authorized,
      bootstrap: [quicOf(a.multiaddrs())],
      subscribe: ['rooms'],
    })
    goNodes.push(g)
    await waitFor(() => a.topicPeers('rooms').includes(g.peerId), {
      timeoutMs: 15_000,
      message: 'A to see the Go node subscribed to rooms',
    })

    // A publishes N events while S does not exist yet; the Go node gets them live (interop unchanged).
    // Until the Go node's mesh has A, the first publish may not reach it: warm up with one event.
    await waitFor(
      async () => {
        const event = await a.publish('rooms', { warmUp: true }).catch(() => undefined)
        if (event === undefined) return false
        return g
          .waitForLine((l) => l.type === 'event' && (l.event as WireEvent).id === event.id, {
            timeoutMs: 1_000,
          })
          .then(
            () => true,
            () => false,
          )
      },
      { timeoutMs: 15_000, message: "A's events to reach the Go node" },
    )
    // A keeps history by the time an event reached it (ms, inclusive bound): the warm-up events are
    // strictly before `sinceMs`, so S does not ask for them (in the same millisecond, it would).
    const warmedUpAt = Date.now()
    await waitFor(() => Date.now() > warmedUpAt, { intervalMs: 1 })
    const sinceMs = Date.now()
    const published: PubSubEvent[] = []
    for (let n = 0; n < EVENTS; n++) published.push(await a.publish('rooms', { n }))
    const publishedIds = new Set(published.map((e) => e.id))
    await waitFor(() => g.lines.filter(isEventFrom(a.peerId, publishedIds)).length === EVENTS, {
      message: `the Go node to receive A's ${EVENTS} events live`,
    })

    // S: a TS node connected to A and to G, with a logger that keeps every line.
    const logger = recordingLogger()
    const s = await open(sw!, name, authorized, {
      getBootstrapNodes: async () => [
        bootstrapNodeFromAddrs(a.multiaddrs(), aw!.wallet),
        bootstrapNodeFromAddrs(g.addrs, gw!.wallet),
      ],
      logger,
    })
    await s.waitUntilReady({ timeoutMs: 15_000 })
    await waitFor(() => [a.peerId, g.peerId].every((p) => s.topicPeers('rooms').includes(p)), {
      timeoutMs: 15_000,
      message: 'S to see A and the Go node subscribed to rooms',
    })
    const { protocolsOf, tryProtocol } = await libp2pOf(sw!)
    await waitFor(async () => (await protocolsOf(g.peerId)).length > 0, {
      message: "S's identify of the Go node to complete",
    })
    const goProtocols = await protocolsOf(g.peerId)
    const aProtocols = await protocolsOf(a.peerId)

    // S subscribes late, asking for what was published since before A's events. (GossipSub does not
    // deliver them: S grafts A and G as it joins, and mesh peers get no IHAVE of past messages.)
    const received: PubSubEvent[] = []
    await s.subscribe(
      'rooms',
      (e) => {
        received.push(e)
      },
      { catchUp: { sinceMs } },
    )
    await waitFor(() => published.every((p) => received.some((e) => e.id === p.id)), {
      timeoutMs: 15_000,
      message: `S to catch up on A's ${EVENTS} events`,
    })
    // Both peers were asked (the catch-up asks up to 3 topic peers): A answered, G was skipped.
    await waitFor(() => s.metrics().messaging.history.peersSkipped >= 1, {
      message: 'S to skip the Go node',
    })
    const afterCatchUp = s.metrics().messaging.history
    const servedByA = a.metrics().messaging.history.requestsServed
    const replayed = received.filter((e) => publishedIds.has(e.id))

    // On demand: the same events (S's own history now holds them); the Go node is skipped again.
    const onDemand = await s.history('rooms', { sinceMs })
    const afterOnDemand = s.metrics().messaging.history
    const servedByAOnDemand = a.metrics().messaging.history.requestsServed
    // Had S asked before identify completed, the Go node would have refused the stream: with this
    // error, which the history treats as "does not speak it" too.
    const goRefusal = await tryProtocol(g.peerId, HISTORY_PROTOCOL)

    // Live traffic after the catch-up, both ways through the Go node: A → S and G, G → S and A.
    const live = await a.publish('rooms', { live: 'ts' })
    await waitFor(() => received.some((e) => e.id === live.id), { message: "S to get A's live event" })
    await g.waitForLine(isEventFrom(a.peerId, new Set([live.id])), {
      message: "the Go node to get A's live event",
    })
    g.send(`publish rooms ${JSON.stringify({ live: 'go' })}`)
    const goPublished = await g.waitForLine((l) => l.type === 'published', { message: 'the Go publish' })
    const goId = (goPublished.event as WireEvent).id
    await waitFor(() => received.some((e) => e.id === goId), { message: "S to get the Go node's event" })

    const h = s.metrics().messaging.history
    const historyLines = [...logger.warnings, ...logger.errors].filter((l) => /histor/i.test(l))
    report('go peer', {
      events: EVENTS,
      received: received.length,
      replayed: replayed.filter((e) => e.replayed === true).length,
      goProtocols,
      goSpeaksHistory: goProtocols.includes(HISTORY_PROTOCOL),
      aSpeaksHistory: aProtocols.includes(HISTORY_PROTOCOL),
      history: h,
      afterCatchUp: {
        requestsMade: afterCatchUp.requestsMade,
        peersSkipped: afterCatchUp.peersSkipped,
        servedByA,
      },
      afterOnDemand: {
        requestsMade: afterOnDemand.requestsMade,
        peersSkipped: afterOnDemand.peersSkipped,
        servedByA: servedByAOnDemand,
      },
      goRefusal,
      unexpected: received.filter((e) => !publishedIds.has(e.id) && e.id !== live.id && e.id !== goId),
      caughtUpLog: logger.infos.filter((l) => l.startsWith('caught up')),
      historyDebug: logger.debugs.filter((l) => /histor/i.test(l)),
      warnings: logger.warnings,
      errors: logger.errors,
    })

    // All N exactly once, each marked replayed, in publishing order, fields as A published them.
    expect(replayed.map((e) => e.id)).toEqual(published.map((e) => e.id))
    for (const [i, e] of replayed.entries()) {
      expect(e).toEqual({ ...published[i], replayed: true })
    }
    expect(new Set(received.map((e) => e.id)).size).toBe(received.length)
    expect(received.filter((e) => e.id === live.id || e.id === goId)).toHaveLength(2)
    for (const e of received.filter((e) => e.id === live.id || e.id === goId)) {
      expect(e.replayed).toBeUndefined()
    }
    expect(received.find((e) => e.id === goId)).toMatchObject({
      fromPeerId: g.peerId,
      message: { live: 'go' },
    })
    expect(received).toHaveLength(EVENTS + 2)

    // The Go node announces its protocols (identify), without ours: S skips it before dialing.
    expect(goProtocols.length).toBeGreaterThan(0)
    expect(goProtocols).not.toContain(HISTORY_PROTOCOL)
    expect(aProtocols).toContain(HISTORY_PROTOCOL)
    expect(afterCatchUp).toMatchObject({ recovered: EVENTS, requestsFailed: 0, rejectedTotal: 0 })
    expect(afterCatchUp.peersSkipped).toBeGreaterThanOrEqual(1)
    // Every request S made went to A (each one served there): the Go node was never asked.
    expect(afterCatchUp.requestsMade).toBeGreaterThanOrEqual(1)
    expect(afterCatchUp.requestsMade).toBe(servedByA)
    expect(onDemand).toEqual(published)
    expect(afterOnDemand.peersSkipped).toBeGreaterThan(afterCatchUp.peersSkipped)
    expect(afterOnDemand.requestsMade).toBe(servedByAOnDemand)
    expect(afterOnDemand.requestsFailed).toBe(0)
    expect(goRefusal).toBe('UnsupportedProtocolError')
    expect(h).toMatchObject({ recovered: EVENTS, requestsFailed: 0, rejectedTotal: 0 })
    expect(s.metrics().messaging.rejectedTotal).toBe(0)
    expect(historyLines).toEqual([])
    expect(logger.errors).toEqual([])

    // The Go node got every TS event live, each once, and nothing went wrong on its side.
    expect(g.lines.filter(isEventFrom(a.peerId, publishedIds))).toHaveLength(EVENTS)
    expect(g.lines.filter((l) => l.type === 'error' || l.type === 'invalid-event')).toEqual([])
  }, 60_000)
})
