import type { Address } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * The order in which libp2p tries a peer's addresses: public before private before loopback,
 * direct before relayed, then QUIC v1 before TCP (the Go implementation's "QUIC primary, TCP
 * fallback"; libp2p's default sorter would try TCP first), then certified first.
 */
export function compareAddresses(a: Address, b: Address): -1 | 0 | 1 {
  return Math.sign(
    scope(a.multiaddr) - scope(b.multiaddr) ||
      Number(isRelayed(a.multiaddr)) - Number(isRelayed(b.multiaddr)) ||
      transportRank(a.multiaddr) - transportRank(b.multiaddr) ||
      Number(b.isCertified) - Number(a.isCertified),
  ) as -1 | 0 | 1
}

export function isRelayed(addr: Multiaddr): boolean {
  return addr.getComponents().some((c) => c.name === 'p2p-circuit')
}

function transportRank(addr: Multiaddr): number {
  const names = addr.getComponents().map((c) => c.name)
  if (names.includes('quic-v1')) return 0
  if (names.includes('tcp')) return 1
  return 2
}

/** 0 public (or a DNS name), 1 private, 2 loopback. */
function scope(addr: Multiaddr): number {
  const first = addr.getComponents()[0]
  if (first === undefined || first.value === undefined) return 0
  if (first.name === 'ip4') {
    const [a = 0, b = 0] = first.value.split('.').map(Number)
    if (a === 127) return 2
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 1
    if ((a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254)) return 1
    return 0
  }
  if (first.name === 'ip6') {
    const v = first.value.toLowerCase()
    if (v === '::1') return 2
    if (v.startsWith('fc') || v.startsWith('fd') || v.startsWith('fe80')) return 1
    return 0
  }
  return 0
}
