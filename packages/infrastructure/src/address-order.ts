import type { Address } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/**
 * The order in which libp2p tries a peer's addresses (one at a time, each for up to
 * `addressDialTimeout`): relayed before direct, then public before private before loopback, then
 * QUIC v1 before TCP (the Go implementation's "QUIC primary, TCP fallback"; libp2p's default sorter
 * would try TCP first), then certified first.
 *
 * Relayed first: a peer has `/p2p-circuit` addresses only while it holds a relay reservation, that
 * is, when it sits behind a NAT. Its public direct addresses are then most often the address its
 * NAT maps it to (advertised for DCUtR), which takes a hole punch: a lone dial's SYN is dropped and
 * hangs until the timeout, so a dial that tried it before the relay never reached the peer. Through
 * the relay, DCUtR then upgrades the connection to a direct one where the NATs allow it (a
 * forwarded port too: the peer dials back). go-libp2p's dial ranker dials relay addresses 500 ms
 * after direct ones, in parallel; js-libp2p dials a peer's addresses one after another.
 */
export function compareAddresses(a: Address, b: Address): -1 | 0 | 1 {
  return Math.sign(
    Number(isRelayed(b.multiaddr)) - Number(isRelayed(a.multiaddr)) ||
      scope(a.multiaddr) - scope(b.multiaddr) ||
      transportRank(a.multiaddr) - transportRank(b.multiaddr) ||
      Number(b.isCertified) - Number(a.isCertified),
  ) as -1 | 0 | 1
}

/**
 * Whether the address goes through a relay. The string (which the multiaddr keeps once made) rules
 * out nearly every address: `getComponents()` copies every component, and metrics and the latency
 * tick ask this of every connection.
 */
export function isRelayed(addr: Multiaddr): boolean {
  if (!addr.toString().includes('/p2p-circuit')) return false
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
