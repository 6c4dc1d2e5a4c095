import { isIPv4, isIPv6 } from 'node:net'
import type { Multiaddr } from '@multiformats/multiaddr'
import { multiaddr } from '@multiformats/multiaddr'
import { describeValue } from './describe.js'
import { InvalidBootstrapNodeError, InvalidWalletError } from './errors.js'
import { type WalletInput, walletToPeerId } from './wallet.js'

/**
 * A bootstrap node as the registry publishes it (the Go implementation's `BootstrapNode`).
 * A port of `0` (or omitted) means the node does not offer that transport; at least one must be set.
 */
export interface BootstrapNode {
  /** The node's wallet public key (base58, bytes or an object with toBytes()/toBase58()). */
  publicKey: WalletInput
  /** IPv4 or IPv6 address, or a DNS name. */
  ip: string
  /** UDP port of its QUIC v1 listener. */
  quicPort?: number | undefined
  /** Port of its TCP listener. */
  tcpPort?: number | undefined
}

// RFC 1123 host names: labels of letters, digits and inner hyphens, 253 characters at most.
const DNS_NAME =
  /^(?=.{1,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/

/**
 * The multiaddrs to dial a bootstrap node, each ending in `/p2p/<peerId>`, QUIC first then TCP.
 * Throws {@link InvalidBootstrapNodeError} naming the bad field.
 *
 * @example
 * bootstrapNodeToMultiaddrs({ publicKey: wallet, ip: '203.0.113.7', quicPort: 4001, tcpPort: 4002 })
 * // [/ip4/203.0.113.7/udp/4001/quic-v1/p2p/12D3KooW…, /ip4/203.0.113.7/tcp/4002/p2p/12D3KooW…]
 */
export function bootstrapNodeToMultiaddrs(node: BootstrapNode): Multiaddr[] {
  if (node === null || typeof node !== 'object') {
    throw new InvalidBootstrapNodeError('node', 'must be an object with publicKey, ip, quicPort and tcpPort')
  }
  let peerId: string
  try {
    peerId = walletToPeerId(node.publicKey).toString()
  } catch (cause) {
    const reason = cause instanceof InvalidWalletError ? cause.shortMessage : 'is not a wallet public key'
    throw new InvalidBootstrapNodeError('publicKey', `is invalid (${reason})`, { cause })
  }
  const host = hostComponent(node.ip)
  const quicPort = checkPort(node.quicPort, 'quicPort')
  const tcpPort = checkPort(node.tcpPort, 'tcpPort')
  if (quicPort === undefined && tcpPort === undefined) {
    throw new InvalidBootstrapNodeError(
      'quicPort',
      'and tcpPort are both unset; the node offers no transport',
    )
  }
  const addrs: Multiaddr[] = []
  if (quicPort !== undefined) addrs.push(toMultiaddr(`${host}/udp/${quicPort}/quic-v1/p2p/${peerId}`))
  if (tcpPort !== undefined) addrs.push(toMultiaddr(`${host}/tcp/${tcpPort}/p2p/${peerId}`))
  return addrs
}

function toMultiaddr(text: string): Multiaddr {
  try {
    return multiaddr(text)
  } catch (cause) {
    // Every part was validated above, so only the host can be refused here.
    throw new InvalidBootstrapNodeError('ip', `cannot be used in a multiaddr (${text})`, { cause })
  }
}

function hostComponent(ip: unknown): string {
  if (typeof ip !== 'string' || ip.trim() === '') {
    throw new InvalidBootstrapNodeError('ip', 'must be a non-empty IPv4/IPv6 address or DNS name')
  }
  const host = ip.trim()
  // Registry records are untrusted: quote at most 64 characters of a bad value in the error.
  const shown = host.length > 64 ? `${host.slice(0, 64)}…` : host
  if (isIPv4(host)) return `/ip4/${host}`
  const unbracketed = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (isIPv6(unbracketed)) {
    // A zone (`fe80::1%eth0`) names an interface of the host that reads the record: meaningless
    // in a registry shared by every node, and not expressible in an `/ip6` multiaddr.
    if (unbracketed.includes('%')) {
      throw new InvalidBootstrapNodeError('ip', `"${shown}" has an IPv6 zone; use a global address`)
    }
    return `/ip6/${unbracketed}`
  }
  // A name whose last label is numeric (`300.1.1.1`, `1.2.3`) or hex (`0x7f.1`) is a mistyped
  // address, not a DNS name: resolvers may read it as an IPv4 address (RFC 3696 section 2).
  const lastLabel = host.replace(/\.$/, '').split('.').pop() ?? ''
  if (!DNS_NAME.test(host) || /^(?:\d+|0x[\da-f]*)$/i.test(lastLabel)) {
    throw new InvalidBootstrapNodeError('ip', `"${shown}" is not an IPv4/IPv6 address or DNS name`)
  }
  return `/dns/${host.replace(/\.$/, '')}`
}

function checkPort(port: unknown, field: 'quicPort' | 'tcpPort'): number | undefined {
  if (port === undefined || port === null || port === 0) return undefined
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidBootstrapNodeError(
      field,
      `must be an integer from 1 to 65535 (0 = not offered), got ${describeValue(port)}`,
    )
  }
  return port
}
