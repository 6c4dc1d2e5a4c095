import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { compareAddresses } from '../src/address-order.js'

describe('the order libp2p dials a peer in', () => {
  it('public before private before loopback, direct before relayed, QUIC before TCP', () => {
    const addrs = [
      '/ip4/127.0.0.1/tcp/4002',
      '/ip4/10.0.0.5/tcp/4002',
      '/ip4/203.0.113.7/tcp/4002/p2p/12D3KooWDj8MEjHbapQepuY7QrDanjua4KaYRZBVKCCJ3Q4ejAAA/p2p-circuit',
      '/ip4/203.0.113.7/tcp/4002',
      '/ip4/127.0.0.1/udp/4001/quic-v1',
      '/ip4/203.0.113.7/udp/4001/quic-v1',
      '/ip4/10.0.0.5/udp/4001/quic-v1',
    ].map((a) => ({ multiaddr: multiaddr(a), isCertified: false }))
    expect(addrs.sort(compareAddresses).map((a) => a.multiaddr.toString())).toEqual([
      '/ip4/203.0.113.7/udp/4001/quic-v1',
      '/ip4/203.0.113.7/tcp/4002',
      '/ip4/203.0.113.7/tcp/4002/p2p/12D3KooWDj8MEjHbapQepuY7QrDanjua4KaYRZBVKCCJ3Q4ejAAA/p2p-circuit',
      '/ip4/10.0.0.5/udp/4001/quic-v1',
      '/ip4/10.0.0.5/tcp/4002',
      '/ip4/127.0.0.1/udp/4001/quic-v1',
      '/ip4/127.0.0.1/tcp/4002',
    ])
  })
})
