import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { compareAddresses, isRelayed } from '../src/address-order.js'

describe('the order libp2p dials a peer in', () => {
  it('public before private before loopback, QUIC before TCP', () => {
    const addrs = [
      '/ip4/127.0.0.1/tcp/4002',
      '/ip4/10.0.0.5/tcp/4002',
      '/ip4/203.0.113.7/tcp/4002',
      '/ip4/127.0.0.1/udp/4001/quic-v1',
      '/ip4/203.0.113.7/udp/4001/quic-v1',
      '/ip4/10.0.0.5/udp/4001/quic-v1',
    ].map((a) => ({ multiaddr: multiaddr(a), isCertified: false }))
    expect(addrs.sort(compareAddresses).map((a) => a.multiaddr.toString())).toEqual([
      '/ip4/203.0.113.7/udp/4001/quic-v1',
      '/ip4/203.0.113.7/tcp/4002',
      '/ip4/10.0.0.5/udp/4001/quic-v1',
      '/ip4/10.0.0.5/tcp/4002',
      '/ip4/127.0.0.1/udp/4001/quic-v1',
      '/ip4/127.0.0.1/tcp/4002',
    ])
  })
  it("a NATed peer (one with relay addresses): relayed first, then its NAT's public address, which takes a hole punch", () => {
    const relay = '/ip4/203.0.113.7/udp/4001/quic-v1/p2p/12D3KooWDj8MEjHbapQepuY7QrDanjua4KaYRZBVKCCJ3Q4ejAAA'
    const addrs = [
      '/ip4/198.51.100.20/tcp/4002',
      '/ip4/192.168.1.5/udp/4001/quic-v1',
      `${relay}/p2p-circuit`,
      '/ip4/203.0.113.7/tcp/4002/p2p/12D3KooWDj8MEjHbapQepuY7QrDanjua4KaYRZBVKCCJ3Q4ejAAA/p2p-circuit',
      '/ip4/127.0.0.1/udp/4001/quic-v1',
    ].map((a) => ({ multiaddr: multiaddr(a), isCertified: false }))
    expect(addrs.sort(compareAddresses).map((a) => a.multiaddr.toString())).toEqual([
      `${relay}/p2p-circuit`,
      '/ip4/203.0.113.7/tcp/4002/p2p/12D3KooWDj8MEjHbapQepuY7QrDanjua4KaYRZBVKCCJ3Q4ejAAA/p2p-circuit',
      '/ip4/198.51.100.20/tcp/4002',
      '/ip4/192.168.1.5/udp/4001/quic-v1',
      '/ip4/127.0.0.1/udp/4001/quic-v1',
    ])
  })
})

describe('isRelayed', () => {
  it('is true of a circuit address only, not of a host name that merely contains the word', () => {
    const relay = '/ip4/203.0.113.7/udp/4001/quic-v1/p2p/12D3KooWEDXpoctwndy9ioy2PPXR8VfAMoQ1FXSJxCMAQxpU9UaR'
    expect(isRelayed(multiaddr(`${relay}/p2p-circuit`))).toBe(true)
    expect(
      isRelayed(multiaddr(`${relay}/p2p-circuit/p2p/12D3KooWQx9LEY46taMSiZhWJLEERmvDyVh7TC7h9WF91ZSjLThm`)),
    ).toBe(true)
    expect(isRelayed(multiaddr(relay))).toBe(false)
    expect(isRelayed(multiaddr('/dns4/p2p-circuit.example.com/tcp/4001'))).toBe(false)
  })
})
