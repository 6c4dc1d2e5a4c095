// One liveness check of a DHT contact for both DHTs of a node.

import type { Connection, PeerId } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import { isOpenUnlimited } from './connected-peers.js'

/** How long a contact that answered a ping counts as alive for the other DHT. */
export const CONTACT_FRESH_MS = 60_000
/** Most contacts remembered (the least recently verified is forgotten first). */
export const CONTACT_MEMORY = 1_024

/** Options of {@link sharedContactPings}. */
export interface SharedContactPingsInit {
  freshMs?: number
  max?: number
  now?: () => number
}

/**
 * kad-dht pings every new routing-table contact before adding it (and old contacts when a bucket is
 * full). On a private network the WAN and the LAN DHT take the same peers, so every new connection
 * was pinged twice from each end: ~13,000 ping streams in a 100-node start, half of them repeating a
 * ping of a moment before. This gives both DHTs one ping service that pings a peer once for both: a
 * peer that answered within `freshMs` is alive for the other DHT too, and a ping in flight is joined.
 * A failed ping is not remembered; a caller that joined a ping its first caller gave up on (timeout,
 * abort) pings on its own. Any other caller of the node's ping service is not affected.
 *
 * A contact the node holds an open, unlimited connection to is alive without a ping: the ping
 * answers at once (with the connection's RTT when known). kad-dht pings each new contact before
 * adding it, once per connection, and under load that ping timed out (7.5 s, while answered ones took
 * 10.5 s): at 750 nodes on 2 cores, 26 nodes holding 1-30 connections kept empty routing tables, so
 * their rendezvous lookups found nobody (bench/results/idle-connections-500-nodes-2026-12-06.md).
 * go-libp2p-kad-dht adds a connected peer that speaks the protocol without pinging it. A dead
 * connection is the connection monitor's to close; contacts not connected are pinged as before.
 *
 * `wrap(components)` is what each DHT is created with: the node's components, with `ping` replaced.
 */
export function sharedContactPings(init: SharedContactPingsInit = {}): {
  wrap<C extends ContactPingComponents>(components: C): C
} {
  const freshMs = init.freshMs ?? CONTACT_FRESH_MS
  const max = init.max ?? CONTACT_MEMORY
  const now = init.now ?? Date.now
  const answered = new Map<string, { at: number; rtt: number }>()
  const inFlight = new Map<string, { promise: Promise<number>; signal: AbortSignal | undefined }>()

  const pingOnce = (
    components: ContactPingComponents,
    peer: PeerId,
    options: Parameters<Ping['ping']>[1],
  ): Promise<number> => {
    const connected = components.connectionManager?.getConnections(peer).find(isOpenUnlimited)
    if (connected !== undefined) return Promise.resolve(connected.rtt ?? 0)
    const real = components.ping
    const key = peer.toString()
    const last = answered.get(key)
    if (last !== undefined && now() - last.at < freshMs) return Promise.resolve(last.rtt)
    // A joined ping that the first caller gave up on (its timeout or abort) is retried with the
    // joiner's own options, as if it had pinged alone. A ping that failed for the peer (refused,
    // hung up) fails for the joiner too: pinging again would redial a peer that just left.
    const pending = inFlight.get(key)
    if (pending !== undefined)
      return pending.promise.catch((err: unknown) => {
        if (pending.signal?.aborted === true) return real.ping(peer, options)
        throw err
      })
    const ping = real.ping(peer, options).then((rtt) => {
      answered.delete(key) // re-inserted last: the map's order is the order of the last answers
      answered.set(key, { at: now(), rtt })
      if (answered.size > max) answered.delete(answered.keys().next().value as string)
      return rtt
    })
    inFlight.set(key, { promise: ping, signal: options?.signal })
    const forget = (): void => {
      inFlight.delete(key)
    }
    ping.then(forget, forget)
    return ping
  }

  return {
    wrap(components) {
      const shared = {
        ping(peer: Parameters<Ping['ping']>[0], options?: Parameters<Ping['ping']>[1]): Promise<number> {
          // kad-dht pings contacts by PeerId; a multiaddr (a dial) goes to the node's ping as is.
          return isPeerId(peer) ? pingOnce(components, peer, options) : components.ping.ping(peer, options)
        },
      }
      // libp2p's components are a Proxy that checks service dependencies on every read: keep it
      // underneath, and answer only `ping` differently.
      return new Proxy(components, {
        get: (target, property) => (property === 'ping' ? shared : Reflect.get(target, property)),
      })
    },
  }
}

/** What the shared ping reads of the node's components (the connections: absent in unit tests). */
export interface ContactPingComponents {
  ping: Ping
  connectionManager?: { getConnections(peer?: PeerId): Connection[] }
}

function isPeerId(peer: unknown): peer is PeerId {
  return typeof peer === 'object' && peer !== null && 'toMultihash' in peer && 'type' in peer
}
