// UPnP IGD port mapping against a real gateway: Debian's miniupnpd in each LAN router's namespace.
// alice (LAN a) maps her QUIC and TCP ports through @depin/infrastructure's `portMapping` and
// announces the router's address; carol on the public segment dials that address; bob (LAN b) runs
// with `portMapping: false`. SSDP happens only inside the namespaces.

import {
  createInMemoryBootstrapList,
  createInMemoryRegistry,
  generateWallets,
  waitFor,
} from '@depin/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTopology,
  type GatewayMapping,
  type NetlabNode,
  netlabUnavailableReason,
  PUBLIC_PREFIX4,
  type Topology,
  upnpGatewayUnavailableReason,
} from '../src/index.js'
import { connectionsTo, DATABASE, figure, probeUntilDelivered, TOPIC } from './helpers.js'

const unavailable = netlabUnavailableReason() ?? upnpGatewayUnavailableReason()
if (unavailable !== undefined) console.warn(`netlab port mapping tests skipped: ${unavailable}`)

describe.skipIf(unavailable !== undefined)(
  `UPnP port mapping (miniupnpd)${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const wallets = generateWallets(3)
    const [aliceWallet, bobWallet, carolWallet] = wallets
    if (!aliceWallet || !bobWallet || !carolWallet) throw new Error('wallets')
    const registry = createInMemoryRegistry(wallets.map((w) => w.wallet))
    const bootstrap = createInMemoryBootstrapList([])
    const nodeRegistry = {
      getAuthorizedWallets: registry.getAuthorizedWallets,
      getBootstrapNodes: bootstrap.getBootstrapNodes,
    }
    // IPv4 on 0.0.0.0: what a home or edge device listens on, and what port mapping maps.
    const common = {
      databaseName: DATABASE,
      registry: nodeRegistry,
      topic: TOPIC,
      listenHost: '0.0.0.0',
    } as const
    let topology: Topology
    let alice: NetlabNode
    let bob: NetlabNode
    let carol: NetlabNode
    let aliceMappings: GatewayMapping[] = []

    beforeAll(async () => {
      topology = await createTopology({
        publicHosts: ['carol'],
        lans: [
          { name: 'a', nat: 'upnp', hosts: ['alice'] },
          { name: 'b', nat: 'upnp', hosts: ['bob'] },
        ],
      })
    })

    afterAll(async () => {
      await topology?.destroy()
    })

    /** The router's forwarding rules that miniupnpd wrote (nftables). */
    const forwardRules = (lan: string): Promise<string> =>
      topology.exec(`${topology.prefix}nat-${lan}`, [
        'nft',
        'list',
        'chain',
        'inet',
        'filter',
        'prerouting_miniupnpd',
      ])

    it('maps the ports on the router, announces the mapped address, and a public node dials it; portMapping: false maps nothing', async () => {
      const gateway = topology.gateway('a')
      const external = gateway.externalAddress
      const aliceLan = topology.host('alice').address4
      const spawnedAt = Date.now()
      const started = { alice: 0, bob: 0 }
      ;[alice, bob] = await Promise.all([
        topology.spawnNode('alice', { ...common, secretKey: aliceWallet.secretKeyBase58 }).finally(() => {
          started.alice = Date.now()
        }),
        topology
          .spawnNode('bob', { ...common, secretKey: bobWallet.secretKeyBase58, portMapping: false })
          .finally(() => {
            started.bob = Date.now()
          }),
      ])
      const listeningAt = started.alice

      // miniupnpd holds a mapping of each of alice's listen ports (QUIC's UDP and TCP), to her.
      aliceMappings = await waitFor(
        async () => {
          const mappings = await gateway.mappings()
          return mappings.length >= 2 ? mappings : undefined
        },
        {
          timeoutMs: 25_000,
          intervalMs: 100,
          message: `alice's mappings on router a\n${alice.stderr.join('\n')}`,
        },
      )
      const mappedAt = Date.now()
      expect(aliceMappings.map((m) => `${m.protocol} ${m.internalAddress}:${m.internalPort}`).sort()).toEqual(
        [`TCP ${aliceLan}:4002`, `UDP ${aliceLan}:4001`],
      )
      for (const mapping of aliceMappings) expect(mapping.description).toContain(alice.peerId)
      const udp = aliceMappings.find((m) => m.protocol === 'UDP') as GatewayMapping
      const tcp = aliceMappings.find((m) => m.protocol === 'TCP') as GatewayMapping
      const rules = await forwardRules('a')
      expect(rules).toContain(`dnat ip to ${aliceLan}:4001`)
      expect(rules).toContain(`dnat ip to ${aliceLan}:4002`)

      // alice announces the router's address with the mapped ports, and says so in her metrics.
      const quicAddress = `/ip4/${external}/udp/${udp.externalPort}/quic-v1/p2p/${alice.peerId}`
      const tcpAddress = `/ip4/${external}/tcp/${tcp.externalPort}/p2p/${alice.peerId}`
      await waitFor(() => alice.multiaddrs.includes(quicAddress) && alice.multiaddrs.includes(tcpAddress), {
        timeoutMs: 10_000,
        message: `alice announcing ${quicAddress} and ${tcpAddress} (has ${alice.multiaddrs.join(', ')})`,
      })
      const announcedAt = Date.now()
      const { metrics } = await alice.inspect()
      expect(metrics.node.portMapping).toMatchObject({ enabled: true, gateways: 1, failures: 0 })
      expect([...metrics.node.portMapping.mapped].sort()).toEqual([
        `/ip4/${external}/tcp/${tcp.externalPort}`,
        `/ip4/${external}/udp/${udp.externalPort}`,
      ])

      // carol, on the public segment, has only that address of alice: a direct connection through
      // the router's mapping, and events both ways.
      bootstrap.set([
        { publicKey: alice.wallet, ip: external, quicPort: udp.externalPort, tcpPort: tcp.externalPort },
      ])
      carol = await topology.spawnNode('carol', {
        ...common,
        secretKey: carolWallet.secretKeyBase58,
        portMapping: false,
      })
      const carolListeningAt = Date.now()
      await waitFor(
        () =>
          connectionsTo(carol, alice).some((c) => !c.relayed && c.remoteAddr.startsWith(`/ip4/${external}/`)),
        {
          timeoutMs: 15_000,
          message: `carol connected to alice at ${external} (connections: ${JSON.stringify(carol.connections)})`,
        },
      )
      const connectedAt = Date.now()
      const inbound = await probeUntilDelivered(carol, alice, 'upnp-in', { timeoutMs: 15_000 })
      const outbound = await probeUntilDelivered(alice, carol, 'upnp-out', { timeoutMs: 15_000 })
      expect(connectionsTo(carol, alice).every((c) => !c.relayed)).toBe(true)

      // bob (portMapping: false): nothing mapped, no such address, and no SSDP search ever reached his router.
      expect(await topology.gateway('b').mappings()).toEqual([])
      expect(await forwardRules('b')).not.toContain('dnat')
      expect(bob.multiaddrs.filter((addr) => addr.startsWith(`/ip4/${PUBLIC_PREFIX4}.`))).toEqual([])
      expect((await bob.inspect()).metrics.node.portMapping.enabled).toBe(false)
      expect(gateway.log.some((line) => line.includes('SSDP M-SEARCH from'))).toBe(true)
      expect(topology.gateway('b').log.filter((line) => line.includes('SSDP M-SEARCH from'))).toEqual([])

      figure('upnp.mapping', {
        timeToMappingMs: mappedAt - spawnedAt,
        startMs: { alice: started.alice - spawnedAt, bob: started.bob - spawnedAt },
        listeningToMappingMs: mappedAt - listeningAt,
        mappingToAnnouncedMs: announcedAt - mappedAt,
        mapped: aliceMappings.map(
          (m) => `${m.protocol} ${external}:${m.externalPort} -> ${m.internalAddress}:${m.internalPort}`,
        ),
        carolConnectMs: connectedAt - carolListeningAt,
        carolVia: connectionsTo(carol, alice).map(
          (c) => `${c.direction} ${c.remoteAddr.replace(/\/p2p\/\w+/, '')}`,
        ),
        firstEventInMs: inbound.receivedAt - inbound.sentAt,
        firstEventOutMs: outbound.receivedAt - outbound.sentAt,
      })
    })

    it("alice's stop removes her mappings from the router", async () => {
      const gateway = topology.gateway('a')
      expect(await gateway.mappings()).toHaveLength(2)
      const stoppingAt = Date.now()
      await alice.stop()
      const stoppedAt = Date.now()
      await waitFor(async () => (await gateway.mappings()).length === 0, {
        timeoutMs: 5_000,
        intervalMs: 50,
        message: "router a to drop alice's mappings",
      })
      const removedAt = Date.now()
      expect(await forwardRules('a')).not.toContain('dnat')
      figure('upnp.unmapping', {
        stopMs: stoppedAt - stoppingAt,
        stopToRemovedMs: removedAt - stoppingAt,
        deletions: gateway.log.filter((line) => line.includes('DeletePortMapping:')).length,
      })
    })
  },
)
