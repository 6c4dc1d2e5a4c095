// The addresses the registry hands out: free ports for bootstrap nodes (whose ports must be known
// before they start), and bootstrap entries of running nodes read from their multiaddrs.

import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import type { BootstrapNode } from '@depin/pubsub'
import type { TestnetOptions } from './options.js'

/** Picks a free TCP port and a free UDP port on `host` (for bootstrap nodes, whose ports must be known). */
export async function freePorts(host: string, taken: Set<number>): Promise<{ quic: number; tcp: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.once('error', reject)
      server.listen(0, host, () => {
        const port = (server.address() as { port: number }).port
        server.close(() => resolve(port))
      })
    })
    const quic = await new Promise<number>((resolve, reject) => {
      const socket = createSocket('udp4')
      socket.once('error', reject)
      socket.bind(0, host, () => {
        const port = socket.address().port
        socket.close(() => resolve(port))
      })
    })
    if (!taken.has(tcp) && !taken.has(quic)) {
      taken.add(tcp)
      taken.add(quic)
      return { quic, tcp }
    }
  }
  throw new Error(`could not find free ports on ${host}`)
}

function portOf(multiaddrs: string[], pattern: RegExp): number | undefined {
  for (const addr of multiaddrs) {
    const match = pattern.exec(addr)
    if (match?.[1] !== undefined) return Number(match[1])
  }
  return undefined
}

/** The ports of `ports` that the testnet's transport uses, as a bootstrap entry names them. */
export function transportPorts(
  transport: TestnetOptions['transport'],
  ports: { quic: number; tcp: number },
): { quicPort?: number; tcpPort?: number } {
  return {
    ...(transport !== 'tcp' && ports.quic > 0 ? { quicPort: ports.quic } : {}),
    ...(transport !== 'quic' && ports.tcp > 0 ? { tcpPort: ports.tcp } : {}),
  }
}

/** A running node's bootstrap entry, its ports read from the multiaddrs it listens on. */
export function entryFromMultiaddrs(
  node: { wallet: string; listenHost: string; multiaddrs: string[] },
  transport: TestnetOptions['transport'],
): BootstrapNode {
  const quic = portOf(node.multiaddrs, /\/udp\/(\d+)\/quic-v1/)
  const tcp = portOf(node.multiaddrs, /\/tcp\/(\d+)\/p2p\//)
  return {
    publicKey: node.wallet,
    ip: node.listenHost,
    ...transportPorts(transport, { quic: quic ?? 0, tcp: tcp ?? 0 }),
  }
}

/** Up to `count` of `list`, a fresh random pick each call (Fisher-Yates on a copy). */
export function randomPick<T>(list: readonly T[], count: number): T[] {
  const copy = [...list]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j] as T, copy[i] as T]
  }
  return copy.slice(0, count)
}
