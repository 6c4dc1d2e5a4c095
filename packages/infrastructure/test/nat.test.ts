// The NAT observer alone, fed identify results as libp2p would dispatch them: what it classifies,
// what it advertises, and what it ignores (relayed connections, private or malformed observations,
// outbound TCP dials from ephemeral ports).

import { walletToPeerId } from '@depin/identity'
import { generateWallets } from '@depin/test-utils'
import type { Connection, IdentifyResult, Libp2pEvents, PeerId, TypedEventTarget } from '@libp2p/interface'
import type { AddressManager, ConnectionManager, TransportManager } from '@libp2p/interface-internal'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { natObserver } from '../src/nat.js'
import { createTestLogger } from './helpers.js'

/** The LAN address a node behind a NAT listens on (ULA: private to libp2p). */
const LAN = 'fd00:0:1::2'
/** The NAT's public address (RFC 9637 documentation space: public to libp2p). */
const WAN = '3fff:0:d::10'

const peers: PeerId[] = generateWallets(6).map((w) => walletToPeerId(w.wallet))

function harness(listen = [`/ip6/${LAN}/tcp/4002`, `/ip6/${LAN}/udp/4001/quic-v1`], holePunchRetryMs = 0) {
  const events = new TypedEventEmitter<Libp2pEvents>()
  const confirmed = new Set<string>()
  const connections: Connection[] = []
  const addressManager = {
    addObservedAddr: () => {},
    confirmObservedAddr: (addr: Multiaddr) => confirmed.add(addr.toString()),
    removeObservedAddr: (addr: Multiaddr) => confirmed.delete(addr.toString()),
  } as unknown as AddressManager
  const transportManager = { getAddrs: () => listen.map((a) => multiaddr(a)) } as unknown as TransportManager
  const connectionManager = {
    getConnections: (peer?: PeerId) =>
      peer === undefined ? connections : connections.filter((c) => c.remotePeer.equals(peer)),
  } as unknown as ConnectionManager
  const logger = createTestLogger('nat')
  // libp2p's DCUtR service: the runs the observer asks for
  const punched: Connection[] = []
  const dcutr = { upgradeInbound: async (c: Connection) => void punched.push(c) }
  const service = natObserver({ confirmations: 2, tcpDialsFromListenPort: true, holePunchRetryMs, logger })({
    addressManager,
    transportManager,
    connectionManager,
    events: events as unknown as TypedEventTarget<Libp2pEvents>,
    dcutr,
  })
  service.start()
  const connection = (
    peer: PeerId,
    remote: string,
    direction: 'inbound' | 'outbound',
    openedAt = Date.now(),
  ) =>
    ({
      remotePeer: peer,
      remoteAddr: multiaddr(remote),
      direction,
      status: 'open',
      timeline: { open: openedAt },
    }) as unknown as Connection
  const identify = (peer: PeerId, observed: Multiaddr | undefined, conn: Connection): void => {
    events.safeDispatchEvent('peer:identify', {
      detail: { peerId: peer, observedAddr: observed, connection: conn } as unknown as IdentifyResult,
    })
  }
  /** A peer on the public segment that observed us over an outbound QUIC connection. */
  const observedOverQuic = (peer: PeerId, port: number, host = WAN): void =>
    identify(
      peer,
      multiaddr(`/ip6/${host}/udp/${port}/quic-v1`),
      connection(peer, '/ip6/3fff:0:d::1/udp/4001/quic-v1', 'outbound'),
    )
  return { service, events, confirmed, connections, punched, logger, connection, identify, observedOverQuic }
}

describe('NAT observer', () => {
  let stop: (() => void) | undefined
  afterEach(() => stop?.())

  it('endpoint-independent NAT: two peers agree on the client socket, the TCP listener is advertised on the public IP', () => {
    const h = harness()
    stop = () => h.service.stop()
    h.observedOverQuic(peers[0] as PeerId, 40_123)
    // one peer is not enough
    expect(h.service.metrics()).toMatchObject({ type: 'unknown', advertised: [] })
    expect(h.confirmed.size).toBe(0)
    h.observedOverQuic(peers[1] as PeerId, 40_123)
    expect(h.service.metrics()).toMatchObject({
      type: 'endpoint-independent',
      advertised: [`/ip6/${WAN}/tcp/4002`],
    })
    expect([...h.confirmed]).toEqual([`/ip6/${WAN}/tcp/4002`])
    // the QUIC client socket's address is never advertised: nothing listens there
    expect([...h.confirmed].some((a) => a.includes('/udp/'))).toBe(false)
  })

  it('symmetric NAT: a different port for each peer; nothing is advertised and the node says why', () => {
    const h = harness()
    stop = () => h.service.stop()
    h.observedOverQuic(peers[0] as PeerId, 40_123)
    h.observedOverQuic(peers[1] as PeerId, 51_777)
    expect(h.service.metrics()).toMatchObject({ type: 'symmetric', advertised: [] })
    expect(h.confirmed.size).toBe(0)
    expect(h.logger.lines.some((l) => l.includes('symmetric NAT') && l.includes('40123,51777'))).toBe(true)
    // a relayed connection opened now stays relayed, and the node says so
    const relayed = h.connection(
      peers[2] as PeerId,
      `/ip6/3fff:0:d::1/udp/4001/quic-v1/p2p/${peers[3]}/p2p-circuit`,
      'inbound',
    )
    h.connections.push(relayed)
    h.events.safeDispatchEvent('connection:open', { detail: relayed })
    expect(h.logger.lines.some((l) => l.includes('connection stays relayed'))).toBe(true)
    expect(h.service.metrics().relayedOnlyPeers).toBe(1)
  })

  it('starting to advertise an address punches again, through DCUtR, the peers reached only through a relay', async () => {
    const h = harness(undefined, 60_000)
    stop = () => h.service.stop()
    // a relayed connection older than DCUtR's own run, which failed: no address to offer then
    const relayed = h.connection(
      peers[2] as PeerId,
      `/ip6/3fff:0:d::1/udp/4001/quic-v1/p2p/${peers[3]}/p2p-circuit`,
      'inbound',
      Date.now() - 60_000,
    )
    h.connections.push(relayed)
    h.observedOverQuic(peers[0] as PeerId, 40_123)
    await Promise.resolve()
    expect(h.punched).toHaveLength(0)
    h.observedOverQuic(peers[1] as PeerId, 40_123)
    expect(h.service.metrics().advertised).toEqual([`/ip6/${WAN}/tcp/4002`])
    await vi.waitFor(() => expect(h.punched).toEqual([relayed]))
    expect(h.service.metrics().holePunchRetries).toBe(1)
  })

  it('public node: peers observe one of its own addresses', () => {
    const h = harness([`/ip6/${WAN}/tcp/4002`, `/ip6/${WAN}/udp/4001/quic-v1`])
    stop = () => h.service.stop()
    h.observedOverQuic(peers[0] as PeerId, 40_123)
    expect(h.service.metrics()).toMatchObject({ type: 'public', advertised: [] })
  })

  it('a TCP address peers reached us at (a forwarded port) is advertised once two agree', () => {
    const h = harness()
    stop = () => h.service.stop()
    for (const peer of peers.slice(0, 2)) {
      h.identify(
        peer as PeerId,
        multiaddr(`/ip6/${WAN}/tcp/4002`),
        h.connection(peer as PeerId, '/ip6/3fff:0:d::1/tcp/50000', 'inbound'),
      )
    }
    expect(h.service.metrics().advertised).toEqual([`/ip6/${WAN}/tcp/4002`])
  })

  it('ignores what says nothing: relayed connections, outbound TCP, private and malformed observations', () => {
    const h = harness()
    stop = () => h.service.stop()
    const [a, b] = peers as [PeerId, PeerId]
    const relayed = `/ip6/3fff:0:d::1/tcp/4002/p2p/${peers[5]}/p2p-circuit`
    // relayed: the relay's view of us, not the peer's
    h.identify(a, multiaddr(`/ip6/${WAN}/udp/1/quic-v1`), h.connection(a, relayed, 'outbound'))
    h.identify(b, multiaddr(`/ip6/${WAN}/udp/2/quic-v1`), h.connection(b, relayed, 'outbound'))
    // outbound TCP: an ephemeral port each time
    h.identify(
      a,
      multiaddr(`/ip6/${WAN}/tcp/33333`),
      h.connection(a, '/ip6/3fff:0:d::1/tcp/4002', 'outbound'),
    )
    h.identify(
      b,
      multiaddr(`/ip6/${WAN}/tcp/44444`),
      h.connection(b, '/ip6/3fff:0:d::1/tcp/4002', 'outbound'),
    )
    // private, loopback, link-local, DNS, circuit, no observation at all
    const quic = h.connection(a, '/ip6/3fff:0:d::1/udp/4001/quic-v1', 'outbound')
    for (const junk of [
      `/ip6/${LAN}/udp/4001/quic-v1`,
      '/ip4/127.0.0.1/udp/4001/quic-v1',
      '/ip6/fe80::1/udp/4001/quic-v1',
      '/dns4/example.com/tcp/4002',
      `/ip6/${WAN}/udp/4001/quic-v1/p2p/${peers[5]}/p2p-circuit`,
      `/ip6/${WAN}/udp/4001`,
      '/ip6/3fff:0:d::10/tcp/0',
    ]) {
      h.identify(a, multiaddr(junk), quic)
    }
    h.identify(b, undefined, quic)
    expect(h.service.metrics()).toMatchObject({ type: 'unknown', advertised: [] })
    expect(h.confirmed.size).toBe(0)
  })

  it('stops advertising when the peers that agreed leave', () => {
    const h = harness()
    stop = () => h.service.stop()
    h.observedOverQuic(peers[0] as PeerId, 40_123)
    h.observedOverQuic(peers[1] as PeerId, 40_123)
    expect(h.confirmed.size).toBe(1)
    h.events.safeDispatchEvent('peer:disconnect', { detail: peers[1] as PeerId })
    expect(h.service.metrics().advertised).toEqual([])
    expect(h.confirmed.size).toBe(0)
  })

  it('keeps at most 64 observers, oldest out first', () => {
    const h = harness()
    stop = () => h.service.stop()
    const many = generateWallets(70).map((w) => walletToPeerId(w.wallet))
    // 70 peers, each seeing another port (symmetric), then two agreeing ones
    for (const [i, peer] of many.entries()) h.observedOverQuic(peer, 20_000 + i)
    expect(h.service.metrics().type).toBe('symmetric')
    h.observedOverQuic(many[0] as PeerId, 1_234)
    h.observedOverQuic(many[1] as PeerId, 1_234)
    expect(h.service.metrics().type).toBe('endpoint-independent')
  })

  it('counts a direct connection to a peer already reached through a relay as an upgrade', () => {
    const h = harness()
    stop = () => h.service.stop()
    const peer = peers[4] as PeerId
    const relayed = h.connection(
      peer,
      `/ip6/3fff:0:d::1/tcp/4002/p2p/${peers[5]}/p2p-circuit`,
      'inbound',
      Date.now() - 1_500,
    )
    const direct = h.connection(peer, `/ip6/${WAN}/tcp/4002`, 'outbound')
    h.connections.push(relayed)
    expect(h.service.metrics().relayedOnlyPeers).toBe(1)
    h.connections.push(direct)
    h.events.safeDispatchEvent('connection:open', { detail: direct })
    const metrics = h.service.metrics()
    expect(metrics.directUpgrades).toBe(1)
    expect(metrics.lastUpgradeMs).toBeGreaterThanOrEqual(1_500)
    expect(metrics.relayedOnlyPeers).toBe(0)
    expect(h.logger.lines.some((l) => l.includes('relayed connection upgraded to direct'))).toBe(true)
  })
})
