import type { Database } from '@depin/pubsub'
import { createTestLibp2p, generateWallet, waitFor } from '@depin/test-utils'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'

/** A libp2p node with a fresh key no registry knows, dialing from its own loopback address. */
export interface Intruder {
  readonly node: Libp2p
  readonly peerId: string
  /** Dials every address of `db` (QUIC and TCP); resolves once every dial settled. */
  dial(db: Database): Promise<void>
  /**
   * Connections still open once the target had up to 3 s to close them. (A dial can resolve on
   * our side before the target's gater, which judges after its own handshake, closes it.)
   */
  openConnections(): Promise<number>
  /** `dial(db)`, then `openConnections()`. */
  attack(db: Database): Promise<number>
  stop(): Promise<void>
}

/**
 * Starts an intruder. `sourceAddress` (any 127.x.y.z) is the TCP source, so libp2p's
 * 5-inbound-connections-per-second-per-IP limit does not hide the gater. It does not listen.
 */
export async function createIntruder(
  sourceAddress: string,
  transports: Array<'tcp' | 'quic'> = ['tcp', 'quic'],
): Promise<Intruder> {
  const node = await createTestLibp2p({
    privateKey: generateWallet().identity.privateKey,
    transports,
    tcpLocalAddress: sourceAddress,
    options: { addresses: { listen: [] } },
  })
  const dial = async (db: Database): Promise<void> => {
    const addrs = db
      .multiaddrs()
      .filter((a) => transports.some((t) => a.includes(t === 'tcp' ? '/tcp/' : '/quic-v1/')))
    await Promise.allSettled(
      addrs.map((a) => node.dial(multiaddr(a), { signal: AbortSignal.timeout(5_000) })),
    )
  }
  const openConnections = async (): Promise<number> => {
    const open = (): number => node.getConnections().filter((c) => c.status === 'open').length
    await waitFor(() => open() === 0, { timeoutMs: 3_000 }).catch(() => undefined)
    return open()
  }
  return {
    node,
    peerId: node.peerId.toString(),
    dial,
    openConnections,
    async attack(db) {
      await dial(db)
      return openConnections()
    },
    async stop() {
      await node.stop()
    },
  }
}

/**
 * Polls the members' peer lists every 25 ms and remembers every intruder ever listed as a
 * connected peer, so a connection admitted for a moment is counted too.
 */
export function watchForIntruders(dbs: readonly Database[]): {
  add(intruder: Intruder): void
  admitted(): string[]
  stop(): void
} {
  const ids = new Set<string>()
  const admitted = new Set<string>()
  const poll = setInterval(() => {
    for (const db of dbs) for (const peer of db.peers()) if (ids.has(peer)) admitted.add(peer)
  }, 25)
  return {
    add: (intruder) => ids.add(intruder.peerId),
    admitted: () => [...admitted],
    stop: () => clearInterval(poll),
  }
}
