import type { BootstrapNode } from '@depin/pubsub'

/**
 * The Go implementation's BootstrapNode of a node on 127.0.0.1, from its listen addresses: a transport it does
 * not listen on is left out, as a registry would.
 */
export function bootstrapNodeFromAddrs(addrs: readonly string[], publicKey: string): BootstrapNode {
  const port = (re: RegExp): number | undefined => {
    for (const a of addrs) {
      const m = re.exec(a)
      if (m !== null) return Number(m[1])
    }
    return undefined
  }
  return {
    publicKey,
    ip: '127.0.0.1',
    quicPort: port(/\/udp\/(\d+)\/quic-v1/),
    tcpPort: port(/\/tcp\/(\d+)/),
  }
}
