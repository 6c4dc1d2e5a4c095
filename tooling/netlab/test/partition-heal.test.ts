// Catch-up history (#17) across a real partition: four nodes on the public segment, two per side,
// one topic. The segment's bridge drops every frame between the sides (an nftables bridge filter:
// links stay up, so connections across die only by their own timeouts); each side publishes while
// cut off; after the heal every node must hold every event of the other side exactly once, marked
// replayed (a returning topic peer is asked for what was published since it left), and its own
// side's events live. Figures are logged as `[netlab] ...` lines, never asserted.
//
// After the heal the sides find each other again only through rendezvous (a DHT lookup): a node
// that still has a peer is ready, so its bootstrap retry loop does not run. A lookup in flight when
// the link was cut runs to its 30 s timeout first, so the heal is seen ~30 s after the nodes
// started (17-24 s after the heal here); the catch-up itself follows within about a second. By then
// the partition's events are long out of GossipSub's gossip window (3 heartbeats), so they can only
// come from the history, marked replayed.

import {
  createInMemoryBootstrapList,
  createInMemoryRegistry,
  generateWallets,
  waitFor,
} from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createTopology,
  type NetlabNode,
  type NodeSnapshot,
  netlabUnavailableReason,
  type ReceivedEvent,
  type Topology,
} from '../src/index.js'
import { connectionsTo, DATABASE, figure, probeUntilDelivered, TOPIC } from './helpers.js'

const unavailable = netlabUnavailableReason()
if (unavailable !== undefined) console.warn(`netlab partition tests skipped: ${unavailable}`)

/** Events published on each side during the partition. */
const PER_SIDE = 5
const SIDES = { a: ['a1', 'a2'], b: ['b1', 'b2'] } as const
const TAG = 'partition'

interface PartitionEvent {
  tag: typeof TAG
  side: 'a' | 'b'
  seq: number
  /** Publish time, Unix ms (one clock for every namespace). */
  t: number
}

function isPartitionEvent(message: unknown): message is PartitionEvent {
  return typeof message === 'object' && message !== null && (message as PartitionEvent).tag === TAG
}

/** The partition events a node received, in arrival order. */
function partitionEvents(node: NetlabNode): Array<ReceivedEvent & { message: PartitionEvent }> {
  return node.received.filter((e): e is ReceivedEvent & { message: PartitionEvent } =>
    isPartitionEvent(e.message),
  )
}

/** What a node's state was, for a failure message. */
function describeNode(node: NetlabNode, peers: readonly NetlabNode[]): string {
  const events = partitionEvents(node).map((e) => `${e.message.side}${e.message.seq}${e.replayed ? 'r' : ''}`)
  const connected = peers.filter((p) => p !== node && connectionsTo(node, p).length > 0).map((p) => p.name)
  return `${node.name}: connected to [${connected.join(',')}], partition events [${events.join(',')}]`
}

describe.skipIf(unavailable !== undefined)(
  `partition heal${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let topology: Topology | undefined

    afterEach(async () => {
      // Stops every node (graceful, then SIGKILL) and deletes every namespace, whatever happened.
      await topology?.destroy()
      topology = undefined
    })

    it("Partition heal: each side receives the other side's events from the partition", async () => {
      const names = [...SIDES.a, ...SIDES.b]
      const wallets = generateWallets(names.length)
      const registry = createInMemoryRegistry(wallets.map((w) => w.wallet))
      const bootstrap = createInMemoryBootstrapList([])
      const nodeRegistry = {
        getAuthorizedWallets: registry.getAuthorizedWallets,
        getBootstrapNodes: bootstrap.getBootstrapNodes,
      }
      const topo = await createTopology({ publicHosts: names })
      topology = topo
      // Every node is a bootstrap node: each dials the three others at start (a full mesh of
      // connections, so every node has a topic peer on the other side to lose and get back).
      bootstrap.set(
        names.map((name, i) => ({
          publicKey: (wallets[i] as (typeof wallets)[number]).wallet,
          ip: topo.host(name).address,
          quicPort: 4001,
          tcpPort: 4002,
        })),
      )
      // QUIC only: a connection across the cut dies by QUIC's idle timeout (3 s in netlab). A TCP
      // connection would wait for the connection monitor's pings (60 s interval by default).
      // Each node announces its public address: without AutoNAT (off in netlab) a public-segment
      // node advertises only ::1 and fe80:: (its 3fff: address stays unverified), so once identify
      // has replaced the bootstrap address in the peer store, nothing across could be dialed again.
      const nodes = await Promise.all(
        names.map((name, i) =>
          topo.spawnNode(name, {
            secretKey: (wallets[i] as (typeof wallets)[number]).secretKeyBase58,
            databaseName: DATABASE,
            registry: nodeRegistry,
            topic: TOPIC,
            transports: { quic: true, tcp: false },
            announceAddresses: [`/ip6/${topo.host(name).address}/udp/4001/quic-v1`],
            relayServer: false,
          }),
        ),
      )
      const byName = new Map(nodes.map((n) => [n.name, n]))
      const side = (s: 'a' | 'b') => SIDES[s].map((name) => byName.get(name) as NetlabNode)
      const sideOf = (node: NetlabNode): 'a' | 'b' =>
        (SIDES.a as readonly string[]).includes(node.name) ? 'a' : 'b'
      const others = (node: NetlabNode) => nodes.filter((n) => n !== node)
      const across = (node: NetlabNode) => side(sideOf(node) === 'a' ? 'b' : 'a')
      const inspectAll = () => Promise.all(nodes.map((n) => n.inspect()))
      const startedAt = Date.now()

      // 1. Meshed: every node connected to and sharing the topic with the three others, and events
      //    flowing between every pair (a probe from each node reaches each other node).
      await waitFor(
        async () => {
          const snapshots = await inspectAll()
          return nodes.every(
            (node, i) =>
              others(node).every((peer) => connectionsTo(node, peer).length > 0) &&
              others(node).every((peer) => (snapshots[i] as NodeSnapshot).topicPeers.includes(peer.peerId)),
          )
        },
        {
          timeoutMs: 20_000,
          intervalMs: 200,
          message: 'every node connected to the three others and seeing them on the topic',
        },
      )
      for (const sender of nodes) {
        await Promise.all(
          others(sender).map((receiver) =>
            probeUntilDelivered(sender, receiver, `mesh-${sender.name}`, { timeoutMs: 15_000 }),
          ),
        )
      }
      const meshedAt = Date.now()

      // 2. Cut the segment between the sides; wait until each node has lost every connection across.
      const cutAt = Date.now()
      await topo.partition([SIDES.a, SIDES.b])
      await waitFor(
        () => nodes.every((node) => across(node).every((p) => connectionsTo(node, p).length === 0)),
        {
          timeoutMs: 20_000,
          message: 'every node to lose its connections to the other side',
        },
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}; ${nodes.map((n) => describeNode(n, nodes)).join('; ')}`)
      })
      // When each node's last connection across closed (its connection snapshots carry the time).
      const noticedMs = nodes.map((node) => {
        const snapshot = node.connectionHistory.find(
          (s) =>
            s.at >= cutAt && across(node).every((p) => !s.connections.some((c) => c.peerId === p.peerId)),
        )
        return (snapshot?.at ?? Date.now()) - cutAt
      })
      // Within a side, the link holds.
      for (const node of nodes) {
        for (const peer of side(sideOf(node))) {
          if (peer !== node)
            expect(connectionsTo(node, peer).length, `${node.name}-${peer.name}`).toBeGreaterThan(0)
        }
      }

      // 3. Each side publishes PER_SIDE events, alternating its two nodes; the other node of the
      //    side receives them live.
      const published = { a: [] as PartitionEvent[], b: [] as PartitionEvent[] }
      for (let seq = 0; seq < PER_SIDE; seq++) {
        for (const s of ['a', 'b'] as const) {
          const publisher = side(s)[seq % 2] as NetlabNode
          const event: PartitionEvent = { tag: TAG, side: s, seq, t: Date.now() }
          await publisher.publish(event)
          published[s].push(event)
        }
      }
      const expectedFromSide = (node: NetlabNode, s: 'a' | 'b') =>
        // Every event of side s except the ones this node published itself (never handed back).
        published[s].filter((_, seq) => side(s)[seq % 2] !== node)
      await waitFor(
        () =>
          nodes.every(
            (node) =>
              partitionEvents(node).filter((e) => e.message.side === sideOf(node)).length ===
              expectedFromSide(node, sideOf(node)).length,
          ),
        { timeoutMs: 10_000, message: "each node to receive its own side's partition events" },
      )
      // Nothing crossed the cut.
      for (const node of nodes) {
        expect(
          partitionEvents(node).filter((e) => e.message.side !== sideOf(node)),
          `${node.name} got events of the other side during the partition`,
        ).toEqual([])
      }
      const before = await inspectAll()

      // 4. Heal; every node must get the other side's PER_SIDE events.
      const healAt = Date.now()
      await topo.healPartition()
      const complete = await waitFor(
        () =>
          nodes.every((node) => {
            const fromAcross = new Set(
              partitionEvents(node)
                .filter((e) => e.message.side !== sideOf(node))
                .map((e) => e.message.seq),
            )
            return fromAcross.size === PER_SIDE
          })
            ? Date.now()
            : undefined,
        { timeoutMs: 40_000, message: "every node to receive the other side's partition events" },
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}; ${nodes.map((n) => describeNode(n, nodes)).join('; ')}`)
      })
      // When each node first reported a connection across again (undefined: no such snapshot).
      const reconnectedMs = nodes.map((node) => {
        const snapshot = node.connectionHistory.find(
          (s) => s.at >= healAt && across(node).some((p) => s.connections.some((c) => c.peerId === p.peerId)),
        )
        return snapshot === undefined ? undefined : snapshot.at - healAt
      })

      // 5. Live traffic across the healed link (both ways); it also lets anything still in flight
      //    (a second peer's catch-up answer, a gossip copy) arrive before duplicates are counted.
      for (const [sender, receiver] of [
        [side('a')[0], side('b')[0]],
        [side('b')[1], side('a')[1]],
      ] as const) {
        await probeUntilDelivered(sender as NetlabNode, receiver as NetlabNode, 'after-heal', {
          timeoutMs: 20_000,
        })
      }
      const after = await inspectAll()

      // Assertions: exactly once; across = replayed, own side = live; the counters agree.
      const perNode: Record<string, unknown> = {}
      for (const [i, node] of nodes.entries()) {
        const events = partitionEvents(node)
        const ids = events.map((e) => e.id)
        expect(new Set(ids).size, `${node.name}: a partition event delivered twice`).toBe(ids.length)
        const own = events.filter((e) => e.message.side === sideOf(node))
        const fromAcross = events.filter((e) => e.message.side !== sideOf(node))
        const otherSide = sideOf(node) === 'a' ? 'b' : 'a'
        expect(own.map((e) => e.message.seq).sort()).toEqual(
          expectedFromSide(node, sideOf(node))
            .map((e) => e.seq)
            .sort(),
        )
        expect(
          own.every((e) => !e.replayed),
          `${node.name}: own side's events live`,
        ).toBe(true)
        expect(fromAcross.map((e) => e.message.seq).sort()).toEqual(
          published[otherSide].map((e) => e.seq).sort(),
        )
        expect(
          fromAcross.filter((e) => !e.replayed).map((e) => e.message.seq),
          `${node.name}: other side's events not marked replayed`,
        ).toEqual([])
        // Each from the right author (the node of the other side that published it).
        for (const e of fromAcross) {
          expect(e.fromPeerId).toBe((side(otherSide)[e.message.seq % 2] as NetlabNode).peerId)
        }
        const h0 = (before[i] as NodeSnapshot).metrics.messaging.history
        const h1 = (after[i] as NodeSnapshot).metrics.messaging.history
        expect(h1.recovered - h0.recovered, `${node.name}: recovered`).toBe(PER_SIDE)
        expect(h1.catchUps - h0.catchUps, `${node.name}: catch-ups`).toBeGreaterThanOrEqual(1)
        expect(h1.rejectedTotal, `${node.name}: rejected history events`).toBe(0)
        const arrivals = fromAcross.map((e) => e.at - healAt)
        const reconnected = reconnectedMs[i]
        perNode[node.name] = {
          replayed: `${fromAcross.filter((e) => e.replayed).length}/${PER_SIDE}`,
          ownLive: `${own.filter((e) => !e.replayed).length}/${own.length}`,
          healToReconnectedMs: reconnected ?? null,
          healToLastReplayedMs: Math.max(...arrivals),
          reconnectedToLastReplayedMs: reconnected === undefined ? null : Math.max(...arrivals) - reconnected,
          catchUps: h1.catchUps - h0.catchUps,
          recovered: h1.recovered - h0.recovered,
          duplicates: h1.duplicates - h0.duplicates,
          requestsMade: h1.requestsMade - h0.requestsMade,
          requestsFailed: h1.requestsFailed - h0.requestsFailed,
          rejectedTotal: h1.rejectedTotal,
        }
      }
      figure('partition-heal', {
        startToMeshedMs: meshedAt - startedAt,
        cutToConnectionsLostMs: { min: Math.min(...noticedMs), max: Math.max(...noticedMs) },
        healToAllCaughtUpMs: complete - healAt,
        nodes: perNode,
      })
    })
  },
)
