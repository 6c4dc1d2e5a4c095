// DCUtR per NAT type: a symmetric NAT (masquerade random), a plain masquerade and a NAT with the
// node's ports forwarded (and announced). A direct connection is asserted only where the NAT lets
// one be made (a forwarded port); elsewhere the outcome is reported and the relay must keep working.

import {
  createInMemoryBootstrapList,
  createInMemoryRegistry,
  generateWallets,
  waitFor,
} from '@depin/test-utils'
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
  probeUntilDelivered,
  TOPIC,
} from './helpers.js'

const unavailable = netlabUnavailableReason()
if (unavailable !== undefined) console.warn(`netlab DCUtR tests skipped: ${unavailable}`)

describe.skipIf(unavailable !== undefined)(
  `DCUtR by NAT type${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const wallets = generateWallets(4)
    const [relayWallet, carolWallet, daveWallet, erinWallet] = wallets
    if (!relayWallet || !carolWallet || !daveWallet || !erinWallet) throw new Error('wallets')
    const registry = createInMemoryRegistry(wallets.map((w) => w.wallet))
    const bootstrap = createInMemoryBootstrapList([])
    const nodeRegistry = {
      getAuthorizedWallets: registry.getAuthorizedWallets,
      getBootstrapNodes: bootstrap.getBootstrapNodes,
    }
    let topology: Topology
    let carol: NetlabNode // symmetric NAT
    let dave: NetlabNode // ports forwarded and announced
    let erin: NetlabNode // masquerade

    beforeAll(async () => {
      topology = await createTopology({
        publicHosts: ['relay'],
        lans: [
          { name: 'c', nat: 'symmetric', hosts: ['carol'] },
          { name: 'd', nat: 'port-forward', hosts: ['dave'] },
          { name: 'e', nat: 'masquerade', hosts: ['erin'] },
        ],
      })
      bootstrap.set([bootstrapEntry(topology, 'relay', relayWallet)])
      await topology.spawnNode('relay', {
        secretKey: relayWallet.secretKeyBase58,
        databaseName: DATABASE,
        registry: nodeRegistry,
      })
      const common = {
        databaseName: DATABASE,
        registry: nodeRegistry,
        topic: TOPIC,
        relayServer: false,
        debug: 'libp2p:dcutr*',
      }
      const wanD = topology.host('dave').publicAddress
      ;[carol, dave, erin] = await Promise.all([
        topology.spawnNode('carol', { ...common, secretKey: carolWallet.secretKeyBase58, relayClient: true }),
        topology.spawnNode('dave', {
          ...common,
          secretKey: daveWallet.secretKeyBase58,
          // the operator forwarded 4001/udp and 4002/tcp and announces the router's address
          announceAddresses: [`/ip6/${wanD}/udp/4001/quic-v1`, `/ip6/${wanD}/tcp/4002`],
        }),
        topology.spawnNode('erin', { ...common, secretKey: erinWallet.secretKeyBase58, relayClient: true }),
      ])
      await waitFor(() => carol.ready && dave.ready && erin.ready, {
        timeoutMs: 20_000,
        message: 'all ready',
      })
    })

    afterAll(async () => {
      await topology?.destroy()
    })

    it('symmetric NAT and masquerade: no direct connection can be punched; the relay keeps working', async () => {
      const flow = await probeUntilDelivered(carol, erin, 'sym', { timeoutMs: 30_000 })
      await probeUntilDelivered(erin, carol, 'sym-back', { timeoutMs: 15_000 })
      await waitFor(() => connectionsTo(carol, erin).length > 0, {
        timeoutMs: 15_000,
        message: 'carol-erin connection',
      })
      const direct = await waitFor(() => everDirect(carol, erin), { timeoutMs: 3_000 }).catch(() => false)
      figure('b.dcutr.symmetric-masquerade', {
        upgradedToDirect: direct,
        relayedFirst: everRelayed(carol, erin) || everRelayed(erin, carol),
        connection: connectionsTo(carol, erin).map((c) => (c.relayed ? 'relayed' : 'direct')),
        firstEventMs: flow.receivedAt - flow.sentAt,
        carol: dcutrSummary(carol, erin),
        erin: dcutrSummary(erin, carol),
      })
      // events still flow between them, whatever DCUtR did
      await probeUntilDelivered(carol, erin, 'sym-after', { timeoutMs: 10_000 })
    })

    it('forwarded ports: peers behind symmetric and masquerade NATs end up directly connected', async () => {
      for (const peer of [carol, erin]) {
        await waitFor(() => connectionsTo(peer, dave).some((c) => !c.relayed), {
          timeoutMs: 20_000,
          message: `a direct ${peer.name}-dave connection`,
        })
        await probeUntilDelivered(peer, dave, `pf-${peer.name}`, { timeoutMs: 15_000 })
        await probeUntilDelivered(dave, peer, `pf-back-${peer.name}`, { timeoutMs: 15_000 })
        expect(connectionsTo(peer, dave).some((c) => !c.relayed)).toBe(true)
        figure(`b.dcutr.${peer.name === 'carol' ? 'symmetric' : 'masquerade'}-portforward`, {
          direct: true,
          relayedFirst: everRelayed(peer, dave) || everRelayed(dave, peer),
          via: connectionsTo(peer, dave).map(
            (c) => `${c.direction} ${c.remoteAddr.replace(/\/p2p\/\w+/g, '')}`,
          ),
          dcutr: dcutrSummary(peer, dave).concat(dcutrSummary(dave, peer)).slice(0, 4),
        })
      }
    })
  },
)
