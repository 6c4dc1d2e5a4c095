import type { createInMemoryBootstrapList, GeneratedWallet } from '@depin/test-utils'
import { waitFor } from '@depin/test-utils'
import type { NetlabNode, NodeSnapshot, SpawnNodeOptions, Topology } from '../src/index.js'

export const DATABASE = 'netlab'
export const TOPIC = 'probe'

/** The payload of every probe event. */
export interface Probe {
  tag: string
  seq: number
  /** Send time, Unix ms (every namespace shares the machine's clock). */
  t: number
}

function isProbe(message: unknown, tag: string): message is Probe {
  return typeof message === 'object' && message !== null && (message as Probe).tag === tag
}

/** Probes `receiver` got from `sender` under `tag`. */
export function probesFrom(receiver: NetlabNode, sender: NetlabNode, tag: string): Probe[] {
  return receiver.received
    .filter((event) => event.fromPeerId === sender.peerId && isProbe(event.message, tag))
    .map((event) => event.message as Probe)
}

/**
 * Publishes a probe every `intervalMs` until `receiver` has one (bounded): returns when the first
 * delivered probe was sent and when it arrived.
 */
export async function probeUntilDelivered(
  sender: NetlabNode,
  receiver: NetlabNode,
  tag: string,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<{ sentAt: number; receivedAt: number; attempts: number }> {
  const intervalMs = options.intervalMs ?? 200
  let seq = 0
  const timer = setInterval(() => {
    sender.publish({ tag, seq: seq++, t: Date.now() } satisfies Probe).catch(() => {})
  }, intervalMs)
  try {
    const event = await waitFor(
      () => receiver.received.find((e) => e.fromPeerId === sender.peerId && isProbe(e.message, tag)),
      {
        timeoutMs: options.timeoutMs,
        message: `${receiver.name} to receive a "${tag}" probe from ${sender.name}`,
      },
    )
    return { sentAt: (event.message as Probe).t, receivedAt: event.at, attempts: seq }
  } finally {
    clearInterval(timer)
  }
}

/** Connections of `node` to `peer`, as last reported. */
export function connectionsTo(node: NetlabNode, peer: NetlabNode) {
  return node.connections.filter((c) => c.peerId === peer.peerId)
}

/** Whether `node` ever had a direct (not relayed) connection to `peer`. */
export function everDirect(node: NetlabNode, peer: NetlabNode): boolean {
  return node.connectionHistory.some((snapshot) =>
    snapshot.connections.some((c) => c.peerId === peer.peerId && !c.relayed),
  )
}

/** Whether `node` ever had a relayed connection to `peer`. */
export function everRelayed(node: NetlabNode, peer: NetlabNode): boolean {
  return node.connectionHistory.some((snapshot) =>
    snapshot.connections.some((c) => c.peerId === peer.peerId && c.relayed),
  )
}

/** A held relay reservation shows as a `/p2p-circuit` address of the node. */
export function hasReservation(node: NetlabNode): boolean {
  return node.multiaddrs.some((addr) => addr.includes('/p2p-circuit'))
}

/** The bootstrap entry of a relay on the public segment. */
export function bootstrapEntry(topology: Topology, host: string, wallet: GeneratedWallet) {
  return { publicKey: wallet.wallet, ip: topology.host(host).address, quicPort: 4001, tcpPort: 4002 }
}

/** DCUtR lines of `node`'s libp2p debug log about `peer` (or naming no peer) that say how an attempt went. */
export function dcutrSummary(node: NetlabNode, peer: NetlabNode): string[] {
  const interesting =
    /unilateral|no public addresses|no dialable|did not have any dialable|succeeded|error while attempting|sending connect/
  const lines = node.debugLog
    .filter((line) => line.includes('dcutr') && interesting.test(line))
    .filter((line) => line.includes(peer.peerId) || !/12D3KooW/.test(line))
    .map((line) =>
      line
        .replace(/^\s*\S+\s+/, '')
        .replaceAll(peer.peerId, peer.name)
        .replace(/12D3KooW\w+/g, '…')
        .slice(0, 160),
    )
  return [...new Set(lines)].slice(0, 5)
}

/** Prints one figure line (timings go in logs, never in assertions). */
export function figure(name: string, value: unknown): void {
  console.log(`[netlab] ${name}: ${JSON.stringify(value)}`)
}

export type NodeMetricsSnapshot = NonNullable<NodeSnapshot['metrics']['node']>

/** The node's NAT view (`metrics().node.nat`), asked over IPC. */
export async function natOf(node: NetlabNode): Promise<NodeMetricsSnapshot['nat'] | undefined> {
  const snapshot = await node.inspect().catch(() => undefined)
  return snapshot?.metrics.node?.nat
}

/** Polls `natOf` until `accept` holds (bounded). */
export async function waitForNat(
  node: NetlabNode,
  accept: (nat: NodeMetricsSnapshot['nat']) => boolean,
  message: string,
): Promise<NodeMetricsSnapshot['nat']> {
  let last: NodeMetricsSnapshot['nat'] | undefined
  try {
    await waitFor(
      async () => {
        last = await natOf(node)
        return last !== undefined && accept(last)
      },
      { timeoutMs: 30_000, intervalMs: 250, message },
    )
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`)
  }
  return last as NodeMetricsSnapshot['nat']
}

/**
 * Starts the two public nodes NATed nodes need to learn their address (two observers must agree):
 * `relay` (a relay server) and `witness`, each announcing its public addresses (without AutoNAT a
 * public node would advertise only ::1 and fe80::, see README), and lists both as bootstrap nodes.
 */
export async function startObservers(
  t: Topology,
  bootstrap: ReturnType<typeof createInMemoryBootstrapList>,
  registry: SpawnNodeOptions['registry'],
  wallets: { relay: GeneratedWallet; witness: GeneratedWallet },
): Promise<void> {
  const hosts = [
    { host: 'relay', wallet: wallets.relay, relayServer: true },
    { host: 'witness', wallet: wallets.witness, relayServer: false },
  ]
  bootstrap.set(hosts.map(({ host, wallet }) => bootstrapEntry(t, host, wallet)))
  await Promise.all(
    hosts.map(({ host, wallet, relayServer }) => {
      const address = t.host(host).address
      return t.spawnNode(host, {
        secretKey: wallet.secretKeyBase58,
        databaseName: DATABASE,
        registry,
        relayServer,
        announceAddresses: [`/ip6/${address}/udp/4001/quic-v1`, `/ip6/${address}/tcp/4002`],
      })
    }),
  )
}
