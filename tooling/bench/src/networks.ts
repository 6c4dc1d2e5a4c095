import { acquireNode, gossipSubInternals } from '@depin/infrastructure'
import { type BootstrapNode, connect, type Database } from '@depin/pubsub'
import { type GeneratedWallet, generateWallets } from '@depin/test-utils'
import { multiaddr } from '@multiformats/multiaddr'
import { type BenchTransport, createRawNode, type RawNode } from './raw-node.js'
import { sleep, until } from './stats.js'

/**
 * One publisher (member 0) and `nodes - 1` subscribers on one topic, whichever the system under test.
 * Payloads carry a run id and a sequence number; `onDelivery` is called once per event per subscriber.
 */
export interface BenchNetwork {
  readonly name: string
  readonly subscribers: number
  /** Called for each delivery at a subscriber. */
  onDelivery: (run: number, seq: number) => void
  publish(run: number, seq: number): Promise<void>
  stop(): Promise<void>
}

const TOPIC = 'bench'
const DATABASE = 'bench'

/** Payload bytes of the raw and NATS baselines: run id and sequence number, then padding. */
export function rawPayload(size: number, run: number, seq: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(8, size))
  const view = new DataView(bytes.buffer)
  view.setUint32(0, run)
  view.setUint32(4, seq)
  return bytes
}

function readRawPayload(bytes: Uint8Array): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return [view.getUint32(0), view.getUint32(4)]
}

function wallets(n: number): GeneratedWallet[] {
  return generateWallets(n)
}

interface OursMessage {
  r: number
  s: number
  p: string
}

/**
 * @depin/pubsub: `nodes` databases made with connect() (one wallet each, QUIC or TCP only), every
 * pair dialled directly as in the raw network, all wallets in the registry.
 */
export async function createOursNetwork(
  nodes: number,
  transport: BenchTransport,
  size: number,
): Promise<BenchNetwork & { setSize(size: number): void }> {
  const ws = wallets(nodes)
  const authorized = ws.map((w) => w.wallet)
  const dbs: Database[] = []
  let padding = 'x'.repeat(size)
  const net = {
    name: 'ours',
    subscribers: nodes - 1,
    onDelivery: (_run: number, _seq: number): void => {},
    setSize(next: number) {
      padding = 'x'.repeat(next)
    },
    async publish(run: number, seq: number) {
      await (dbs[0] as Database).publish<OursMessage>(TOPIC, { r: run, s: seq, p: padding })
    },
    async stop() {
      await Promise.allSettled(dbs.map((db) => db.disconnect()))
    },
  }
  try {
    let first: BootstrapNode | undefined
    for (const w of ws) {
      const db = await connect({
        walletPrivateKey: w.secretKeyBase58,
        databaseName: DATABASE,
        getAuthorizedWallets: async () => authorized,
        getBootstrapNodes: async () => (first === undefined || first.publicKey === w.wallet ? [] : [first]),
        listenHost: '127.0.0.1',
        listenPorts: { quic: 0, tcp: 0 },
        // A burst of a few hundred events must not overflow the default 256-event queue.
        queueSize: 100_000,
        node: { transports: { quic: transport === 'quic', tcp: transport === 'tcp' } },
      })
      dbs.push(db)
      if (first === undefined) first = bootstrapEntry(w.wallet, db.multiaddrs(), transport)
    }
    for (let i = 1; i < dbs.length; i++) {
      ;(dbs[i] as Database).subscribe<OursMessage>(TOPIC, (event) =>
        net.onDelivery(event.message.r, event.message.s),
      )
    }
    await (dbs[0] as Database).subscribe(TOPIC, () => {})
    await dialAll(
      ws,
      dbs.map((db) => db.multiaddrs()),
    )
    await (dbs[0] as Database).waitForTopicPeers(TOPIC, { min: nodes - 1, timeoutMs: 30_000 })
    return net
  } catch (err) {
    await net.stop()
    throw err
  }
}

function bootstrapEntry(wallet: string, addrs: string[], transport: BenchTransport): BootstrapNode {
  const port = (re: RegExp): number | undefined => {
    for (const a of addrs) {
      const m = a.match(re)
      if (m?.[1] !== undefined) return Number(m[1])
    }
    return undefined
  }
  const quicPort = port(/\/udp\/(\d+)\/quic-v1/)
  const tcpPort = port(/\/tcp\/(\d+)/)
  return {
    publicKey: wallet,
    ip: '127.0.0.1',
    ...(transport === 'quic' && quicPort !== undefined ? { quicPort } : {}),
    ...(transport === 'tcp' && tcpPort !== undefined ? { tcpPort } : {}),
  }
}

/**
 * Dials with a few retries: libp2p's connection manager accepts only a few inbound connections per
 * second from one IP, so a full mesh on 127.0.0.1 sees some dials reset.
 */
async function dialWithRetry(dial: () => Promise<unknown>, attempts = 8): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await dial()
      return
    } catch (err) {
      if (attempt >= attempts) throw err
      await sleep(250 * attempt)
    }
  }
}

/** Every node dials every later node (the node registry hands back the database's own libp2p node). */
async function dialAll(ws: GeneratedWallet[], addrs: string[][]): Promise<void> {
  const leases = await Promise.all(
    ws.map((w) => acquireNode({ identity: w.identity, getBootstrapNodes: async () => [] })),
  )
  try {
    const dials: Promise<unknown>[] = []
    for (let i = 0; i < leases.length; i++) {
      for (let j = i + 1; j < leases.length; j++) {
        const target = (addrs[j] as string[]).map((a) => multiaddr(a))
        const lease = leases[i] as (typeof leases)[number]
        dials.push(dialWithRetry(() => lease.node.libp2p.dial(target)))
      }
    }
    await Promise.all(dials)
  } finally {
    await Promise.all(leases.map((l) => l.release()))
  }
}

/** Raw @libp2p/gossipsub with the same libp2p config (see raw-node.ts), every pair dialled. */
export async function createRawNetwork(
  nodes: number,
  transport: BenchTransport,
  size: number,
): Promise<BenchNetwork & { setSize(size: number): void }> {
  const ws = wallets(nodes)
  const raws: RawNode[] = []
  let payloadSize = size
  const net = {
    name: 'raw',
    subscribers: nodes - 1,
    onDelivery: (_run: number, _seq: number): void => {},
    setSize(next: number) {
      payloadSize = next
    },
    async publish(run: number, seq: number) {
      await (raws[0] as RawNode).services.pubsub.publish(TOPIC, rawPayload(payloadSize, run, seq))
    },
    async stop() {
      await Promise.allSettled(raws.map((r) => r.stop()))
    },
  }
  try {
    for (const w of ws) raws.push(await createRawNode(w.identity.privateKey, transport))
    for (let i = 1; i < raws.length; i++) {
      const pubsub = (raws[i] as RawNode).services.pubsub
      pubsub.addEventListener('message', (evt) => {
        if (evt.detail.topic !== TOPIC) return
        const [run, seq] = readRawPayload(evt.detail.data)
        net.onDelivery(run, seq)
      })
    }
    for (const r of raws) r.services.pubsub.subscribe(TOPIC)
    const dials: Promise<unknown>[] = []
    for (let i = 0; i < raws.length; i++) {
      for (let j = i + 1; j < raws.length; j++) {
        const from = raws[i] as RawNode
        const to = raws[j] as RawNode
        dials.push(dialWithRetry(() => from.dial(to.getMultiaddrs())))
      }
    }
    await Promise.all(dials)
    // As @depin/messaging's waitForTopicPeers: a subscriber counts once our outbound stream to it is open.
    const publisher = (raws[0] as RawNode).services.pubsub
    const internals = gossipSubInternals(publisher)
    await until(
      () =>
        publisher
          .getSubscribers(TOPIC)
          .filter((peer) => internals.hasOutboundStream(peer.toString()) === true).length >=
        nodes - 1,
      { message: 'raw topic peers' },
    )
    return net
  } catch (err) {
    await net.stop()
    throw err
  }
}
