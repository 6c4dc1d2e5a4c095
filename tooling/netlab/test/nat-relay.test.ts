// Two nodes behind separate NATs (Linux masquerade) and a relay on the public segment:
// (a) relayed delivery, (b) DCUtR outcome for masquerade on both sides, (c) a link cut and heal,
// (d) a relay restart. Figures are logged as `[netlab] ...` lines, never asserted.

import {
  createInMemoryBootstrapList,
  createInMemoryRegistry,
  generateWallets,
  waitFor,
} from '@depin/test-utils'
import { percentile } from '@depin/test-utils/stats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTopology, type NetlabNode, netlabUnavailableReason, type Topology } from '../src/index.js'
import {
  bootstrapEntry,
  connectionsTo,
  DATABASE,
  dcutrSummary,
  everDirect,
  everRelayed,
  figure,
  hasReservation,
  probesFrom,
  probeUntilDelivered,
  TOPIC,
} from './helpers.js'

const unavailable = netlabUnavailableReason()
if (unavailable !== undefined) console.warn(`netlab NAT/relay tests skipped: ${unavailable}`)

const BURST = 50

/** State of a node for a failure message. */
function describeNode(node: NetlabNode, reserved: boolean): string {
  const relayLog = node.debugLog.filter((line) => line.includes('circuit-relay')).slice(-8)
  return `${node.name}: ready=${node.ready} reservation=${reserved} connections=${JSON.stringify(
    node.connections.map((c) => c.remoteAddr),
  )} relay log: ${relayLog.join(' | ')}`
}

describe.skipIf(unavailable !== undefined)(
  `two nodes behind NAT and a relay${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const [relayWallet, aliceWallet, bobWallet] = generateWallets(3)
    if (relayWallet === undefined || aliceWallet === undefined || bobWallet === undefined)
      throw new Error('wallets')
    const registry = createInMemoryRegistry([relayWallet.wallet, aliceWallet.wallet, bobWallet.wallet])
    const bootstrap = createInMemoryBootstrapList([])
    const nodeRegistry = {
      getAuthorizedWallets: registry.getAuthorizedWallets,
      getBootstrapNodes: bootstrap.getBootstrapNodes,
    }
    let topology: Topology
    let relay: NetlabNode
    let alice: NetlabNode
    let bob: NetlabNode

    const startRelay = () =>
      topology.spawnNode('relay', {
        secretKey: relayWallet.secretKeyBase58,
        databaseName: DATABASE,
        registry: nodeRegistry,
        relayServer: true,
      })

    beforeAll(async () => {
      topology = await createTopology({
        publicHosts: ['relay'],
        lans: [
          { name: 'a', nat: 'masquerade', hosts: ['alice'] },
          { name: 'b', nat: 'masquerade', hosts: ['bob'] },
        ],
      })
      bootstrap.set([bootstrapEntry(topology, 'relay', relayWallet)])
      relay = await startRelay()
      const natted = {
        databaseName: DATABASE,
        registry: nodeRegistry,
        topic: TOPIC,
        relayClient: true,
        relayServer: false,
      }
      ;[alice, bob] = await Promise.all([
        topology.spawnNode('alice', {
          ...natted,
          secretKey: aliceWallet.secretKeyBase58,
          debug: 'libp2p:dcutr*,libp2p:circuit-relay*',
        }),
        topology.spawnNode('bob', {
          ...natted,
          secretKey: bobWallet.secretKeyBase58,
          debug: 'libp2p:dcutr*,libp2p:circuit-relay*',
        }),
      ])
    })

    afterAll(async () => {
      await topology?.destroy()
    })

    it('(a) delivers events between two NATed nodes through the relay', async () => {
      const startedAt = Date.now()
      await waitFor(() => alice.ready && bob.ready, { timeoutMs: 20_000, message: 'alice and bob ready' })
      await waitFor(() => hasReservation(alice) && hasReservation(bob), {
        timeoutMs: 20_000,
        message: 'relay reservations (a /p2p-circuit address) on alice and bob',
      })
      const first = await probeUntilDelivered(alice, bob, 'first', { timeoutMs: 30_000 })
      await probeUntilDelivered(bob, alice, 'first-back', { timeoutMs: 15_000 })
      // Behind two masquerading NATs the only path is the circuit through the relay, which does not
      // subscribe to the topic (so it cannot forward the events at the GossipSub layer).
      expect(connectionsTo(alice, bob).length).toBeGreaterThan(0)
      expect(connectionsTo(alice, bob).every((c) => c.relayed)).toBe(true)

      for (let seq = 0; seq < BURST; seq++) await alice.publish({ tag: 'burst', seq, t: Date.now() })
      await waitFor(() => probesFrom(bob, alice, 'burst').length === BURST, {
        timeoutMs: 15_000,
        message: `${BURST} burst events at bob`,
      })
      const received = bob.received.filter(
        (e) => e.fromPeerId === alice.peerId && (e.message as { tag?: string }).tag === 'burst',
      )
      const latencies = received.map((e) => e.at - (e.message as { t: number }).t)
      expect(new Set(received.map((e) => (e.message as { seq: number }).seq)).size).toBe(BURST)
      figure('a.relayed', {
        firstEventAfterStartMs: first.receivedAt - startedAt,
        delivered: `${received.length}/${BURST}`,
        latencyMs: {
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          max: Math.max(...latencies),
        },
        aliceToBob: connectionsTo(alice, bob).map((c) => c.remoteAddr.replace(/\/p2p\/\w+/g, '/p2p/…')),
      })
    })

    it('(b) DCUtR between two masquerading NATs: outcome reported, relay keeps working', async () => {
      // DCUtR runs as soon as the relayed connection is identified (its attempts end within a second
      // here: no dialable address); a bounded window to see whether a direct connection appears.
      const direct = await waitFor(() => everDirect(alice, bob) || everDirect(bob, alice), {
        timeoutMs: 3_000,
        message: 'a direct alice-bob connection',
      }).catch(() => false)
      figure('b.dcutr.masquerade-masquerade', {
        upgradedToDirect: direct,
        relayedFirst: everRelayed(alice, bob) || everRelayed(bob, alice),
        alice: dcutrSummary(alice, bob),
        bob: dcutrSummary(bob, alice),
      })
      // Whatever DCUtR did, events still flow.
      await probeUntilDelivered(alice, bob, 'after-dcutr', { timeoutMs: 10_000 })
    })

    it('(c) a cut uplink makes the node not-ready; healed, it is ready again and events flow', async () => {
      const cutAt = Date.now()
      await topology.cutLink('a')
      await waitFor(() => !alice.ready, { timeoutMs: 20_000, message: 'alice not-ready after the cut' })
      const notReadyAt = alice.transitions.findLast((t) => !t.ready)?.at ?? Date.now()
      expect(bob.ready).toBe(true) // bob still has the relay
      const healAt = Date.now()
      await topology.healLink('a')
      await waitFor(() => alice.ready, { timeoutMs: 20_000, message: 'alice ready after the heal' })
      const readyAt = alice.transitions.findLast((t) => t.ready)?.at ?? Date.now()
      const flow = await probeUntilDelivered(alice, bob, 'after-heal', { timeoutMs: 30_000 })
      await probeUntilDelivered(bob, alice, 'after-heal-back', { timeoutMs: 15_000 })
      figure('c.partition', {
        cutToNotReadyMs: notReadyAt - cutAt,
        healToReadyMs: readyAt - healAt,
        healToEventsFlowMs: flow.receivedAt - healAt,
      })
    })

    /** Takes the relay down (graceful stop or SIGKILL), starts it again, and measures the recovery. */
    async function restartRelay(mode: 'graceful' | 'crash') {
      const downAt = Date.now()
      if (mode === 'graceful') await relay.stop()
      else await relay.kill()
      await waitFor(() => !alice.ready && !bob.ready, {
        timeoutMs: 15_000,
        message: 'alice and bob not-ready without the relay',
      })
      const noticedAt = Math.max(
        alice.transitions.findLast((t) => !t.ready)?.at ?? Date.now(),
        bob.transitions.findLast((t) => !t.ready)?.at ?? Date.now(),
      )
      const restartAt = Date.now()
      relay = await startRelay()
      const listeningAt = Date.now()
      const after = (n: NetlabNode) => n.multiaddrsAt > restartAt && hasReservation(n)
      const reservationAt = await waitFor(
        () => (after(alice) && after(bob) ? Math.max(alice.multiaddrsAt, bob.multiaddrsAt) : undefined),
        { timeoutMs: 30_000, message: 'reservations on the restarted relay' },
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}; ${[alice, bob].map((n) => describeNode(n, after(n))).join('; ')}`)
      })
      const flow = await probeUntilDelivered(alice, bob, `after-${mode}`, { timeoutMs: 30_000 })
      await probeUntilDelivered(bob, alice, `after-${mode}-back`, { timeoutMs: 15_000 })
      expect(connectionsTo(alice, bob).length).toBeGreaterThan(0)
      expect(connectionsTo(alice, bob).every((c) => c.relayed)).toBe(true)
      figure(`d.relay-restart.${mode}`, {
        downToBothNotReadyMs: noticedAt - downAt,
        relayProcessStartMs: listeningAt - restartAt,
        restartToReservationsMs: reservationAt - restartAt,
        restartToRelayedTrafficMs: flow.receivedAt - restartAt,
        listeningToRelayedTrafficMs: flow.receivedAt - listeningAt,
      })
    }

    it('(d) the relay restarts: reservations are re-established and relayed traffic resumes', async () => {
      await restartRelay('graceful')
    })

    it('(d) the relay crashes (SIGKILL) and restarts: the same recovery', async () => {
      await restartRelay('crash')
    })
  },
)
