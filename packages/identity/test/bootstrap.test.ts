import { PublicKey } from '@solana/web3.js'
import { describe, expect, it } from 'vitest'
import {
  type BootstrapNode,
  bootstrapNodeToMultiaddrs,
  DepinError,
  decodeBase58,
  InvalidBootstrapNodeError,
} from '../src/index.js'
import { thrown } from './secret-forms.js'
import { VECTOR_PEER_ID, VECTOR_WALLET } from './vector.js'

const P2P = `/p2p/${VECTOR_PEER_ID}`

function addrs(node: Partial<BootstrapNode>): string[] {
  return bootstrapNodeToMultiaddrs({
    publicKey: VECTOR_WALLET,
    ip: '203.0.113.7',
    ...node,
  } as BootstrapNode).map((addr) => addr.toString())
}

describe('bootstrapNodeToMultiaddrs', () => {
  it('gives QUIC first, then TCP, for an IPv4 node', () => {
    expect(addrs({ ip: '203.0.113.7', quicPort: 4001, tcpPort: 4002 })).toEqual([
      `/ip4/203.0.113.7/udp/4001/quic-v1${P2P}`,
      `/ip4/203.0.113.7/tcp/4002${P2P}`,
    ])
  })

  it('keeps QUIC first whatever the order of the fields', () => {
    const node = { tcpPort: 4002, quicPort: 4001, ip: '203.0.113.7', publicKey: VECTOR_WALLET }
    expect(bootstrapNodeToMultiaddrs(node).map(String)).toEqual([
      `/ip4/203.0.113.7/udp/4001/quic-v1${P2P}`,
      `/ip4/203.0.113.7/tcp/4002${P2P}`,
    ])
  })

  it.each([
    ['2001:db8::7', '/ip6/2001:db8::7'],
    ['[2001:db8::7]', '/ip6/2001:db8::7'],
    ['::1', '/ip6/::1'],
    ['[::1]', '/ip6/::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0007', '/ip6/2001:db8::7'],
  ])('uses /ip6 for the IPv6 address %s', (ip, prefix) => {
    expect(addrs({ ip, quicPort: 4001, tcpPort: 4002 })).toEqual([
      `${prefix}/udp/4001/quic-v1${P2P}`,
      `${prefix}/tcp/4002${P2P}`,
    ])
  })

  it.each([
    ['boot.example.com', 'boot.example.com'],
    ['boot.example.com.', 'boot.example.com'],
    ['BOOT-1.Example.org', 'BOOT-1.Example.org'],
    ['localhost', 'localhost'],
    ['bootstrap-node', 'bootstrap-node'],
    ['  boot.example.com \n', 'boot.example.com'],
  ])('uses /dns for the DNS name %j', (ip, name) => {
    expect(addrs({ ip, quicPort: 4001, tcpPort: 4002 })).toEqual([
      `/dns/${name}/udp/4001/quic-v1${P2P}`,
      `/dns/${name}/tcp/4002${P2P}`,
    ])
  })

  it('gives only the TCP address for a node without QUIC (port 0 or unset)', () => {
    expect(addrs({ tcpPort: 4002 })).toEqual([`/ip4/203.0.113.7/tcp/4002${P2P}`])
    expect(addrs({ quicPort: 0, tcpPort: 4002 })).toEqual([`/ip4/203.0.113.7/tcp/4002${P2P}`])
  })

  it('gives only the QUIC address for a node without TCP (port 0 or unset)', () => {
    expect(addrs({ quicPort: 4001 })).toEqual([`/ip4/203.0.113.7/udp/4001/quic-v1${P2P}`])
    expect(addrs({ quicPort: 4001, tcpPort: 0 })).toEqual([`/ip4/203.0.113.7/udp/4001/quic-v1${P2P}`])
  })

  it('accepts the public key as bytes or a web3.js PublicKey', () => {
    const quic = `/ip4/203.0.113.7/udp/4001/quic-v1${P2P}`
    expect(addrs({ publicKey: decodeBase58(VECTOR_WALLET), quicPort: 4001 })).toEqual([quic])
    expect(addrs({ publicKey: new PublicKey(VECTOR_WALLET), quicPort: 4001 })).toEqual([quic])
  })

  it('accepts the edge ports 1 and 65535', () => {
    expect(addrs({ quicPort: 1, tcpPort: 65535 })).toEqual([
      `/ip4/203.0.113.7/udp/1/quic-v1${P2P}`,
      `/ip4/203.0.113.7/tcp/65535${P2P}`,
    ])
  })

  const bad: Array<[string, unknown, string]> = [
    ['a malformed publicKey', { publicKey: 'not-a-wallet', quicPort: 4001 }, 'publicKey'],
    ['a publicKey of 31 bytes', { publicKey: new Uint8Array(31), quicPort: 4001 }, 'publicKey'],
    ['a missing publicKey', { publicKey: undefined, quicPort: 4001 }, 'publicKey'],
    ['an empty ip', { ip: '', quicPort: 4001 }, 'ip'],
    ['a blank ip', { ip: '   ', quicPort: 4001 }, 'ip'],
    ['a missing ip', { ip: undefined, quicPort: 4001 }, 'ip'],
    ['a numeric ip', { ip: 3405803783, quicPort: 4001 }, 'ip'],
    ['a garbage ip', { ip: 'not a host!', quicPort: 4001 }, 'ip'],
    ['the ip 300.1.1.1', { ip: '300.1.1.1', quicPort: 4001 }, 'ip'],
    ['the ip 1.2.3', { ip: '1.2.3', quicPort: 4001 }, 'ip'],
    ['the ip 01.2.3.4', { ip: '01.2.3.4', quicPort: 4001 }, 'ip'],
    ['a hex-looking ip', { ip: '0x7f.1', quicPort: 4001 }, 'ip'],
    ['an ip with a port', { ip: '203.0.113.7:4001', quicPort: 4001 }, 'ip'],
    ['a bracketed IPv6 with a port', { ip: '[2001:db8::7]:4001', quicPort: 4001 }, 'ip'],
    ['an IPv6 with a zone', { ip: 'fe80::1%eth0', quicPort: 4001 }, 'ip'],
    ['a multiaddr as ip', { ip: '/ip4/203.0.113.7', quicPort: 4001 }, 'ip'],
    ['a URL as ip', { ip: 'https://boot.example.com', quicPort: 4001 }, 'ip'],
    ['a DNS label of 64 characters', { ip: `${'a'.repeat(64)}.example.com`, quicPort: 4001 }, 'ip'],
    ['quicPort -1', { quicPort: -1, tcpPort: 4002 }, 'quicPort'],
    ['quicPort 70000', { quicPort: 70000, tcpPort: 4002 }, 'quicPort'],
    ['quicPort 1.5', { quicPort: 1.5, tcpPort: 4002 }, 'quicPort'],
    ['quicPort "4001"', { quicPort: '4001', tcpPort: 4002 }, 'quicPort'],
    ['quicPort NaN', { quicPort: Number.NaN, tcpPort: 4002 }, 'quicPort'],
    ['tcpPort -1', { quicPort: 4001, tcpPort: -1 }, 'tcpPort'],
    ['tcpPort 70000', { quicPort: 4001, tcpPort: 70000 }, 'tcpPort'],
    ['tcpPort 1.5', { quicPort: 4001, tcpPort: 1.5 }, 'tcpPort'],
    ['tcpPort "4001"', { quicPort: 4001, tcpPort: '4001' }, 'tcpPort'],
    ['tcpPort Infinity', { quicPort: 4001, tcpPort: Number.POSITIVE_INFINITY }, 'tcpPort'],
    // Records decoded from JSON can carry objects whose toString is not callable: String() throws.
    ['tcpPort {"toString":0}', { quicPort: 4001, tcpPort: { toString: 0 } }, 'tcpPort'],
    [
      'quicPort with a throwing valueOf',
      {
        quicPort: {
          valueOf: () => {
            throw new Error('boom')
          },
        },
      },
      'quicPort',
    ],
    ['quicPort a null-prototype object', { quicPort: Object.create(null), tcpPort: 4002 }, 'quicPort'],
    ['both ports unset', {}, 'quicPort'],
    ['both ports 0', { quicPort: 0, tcpPort: 0 }, 'quicPort'],
  ]
  it.each(bad)('rejects %s, naming the field', (_label, overrides, field) => {
    const node = { publicKey: VECTOR_WALLET, ip: '203.0.113.7', ...(overrides as object) }
    const err = thrown(() => bootstrapNodeToMultiaddrs(node as BootstrapNode))
    expect(err).toBeInstanceOf(InvalidBootstrapNodeError)
    expect(err).toBeInstanceOf(DepinError)
    expect(err).toMatchObject({ code: 'INVALID_BOOTSTRAP_NODE', field })
    expect((err as Error).message).toMatch(new RegExp(`^Invalid bootstrap node: ${field} `))
  })

  it('says both ports are unset when neither is given', () => {
    expect(() => addrs({})).toThrow('quicPort and tcpPort are both unset')
  })

  it('quotes at most 64 characters of a bad ip', () => {
    const err = thrown(() => addrs({ ip: `${'x'.repeat(1000)}!`, quicPort: 4001 }))
    expect((err as Error).message.length).toBeLessThan(200)
  })

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', '203.0.113.7:4001'],
  ])('rejects a node that is %s', (_label, node) => {
    expect(() => bootstrapNodeToMultiaddrs(node as unknown as BootstrapNode)).toThrow(
      InvalidBootstrapNodeError,
    )
  })
})
