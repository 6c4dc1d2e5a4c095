import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { isRelayed } from './address-order.js'

/**
 * Latency-aware peering's search for near peers: a node short of near peers asks one of its near
 * peers for its peers and dials a few that may be near it (see `nearCandidates`). Their RTT is then
 * measured like every peer's; the ones that turn out far are the first the trimmer closes. Without
 * it a node keeps the near peers discovery happened to give it, which in a network spread over
 * regions may be one or none.
 *
 * Protocol: the asker opens a stream and reads one length-prefixed JSON frame,
 * `{ "peers": [{ "id": "<PeerId>", "addrs": ["<multiaddr>", ...], "rttMs": 4.2 }, ...] }`: the
 * answerer's measured peers, nearest first, each with its RTT to them and their direct addresses
 * from its peer store.
 */
export const NEAR_PEERS_PROTOCOL = '/depin/near-peers/1.0.0'

/** Entries in one answer, addresses per entry, characters per address, bytes per answer. */
export const MAX_NEAR_ENTRIES = 16
export const MAX_NEAR_ADDRS = 4
export const MAX_NEAR_ADDR_LENGTH = 256
export const MAX_NEAR_ANSWER_BYTES = 32 * 1024

/** One peer of an answer, checked. */
export interface NearPeerEntry {
  peerId: PeerId
  addrs: Multiaddr[]
  rttMs: number
}

/**
 * The entries of an answer that can be dialed: a valid PeerId, one to {@link MAX_NEAR_ADDRS} valid,
 * direct (not relayed) addresses that name no other peer, a finite RTT >= 0. Entries that fail
 * are counted in `rejected` and skipped; an answer that is no JSON object with a `peers` array
 * (or has more than {@link MAX_NEAR_ENTRIES}) is `undefined`.
 */
export function parseNearAnswer(
  bytes: Uint8Array,
): { entries: NearPeerEntry[]; rejected: number } | undefined {
  let answer: unknown
  try {
    answer = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    return undefined
  }
  const peers = (answer as { peers?: unknown } | null)?.peers
  if (!Array.isArray(peers) || peers.length > MAX_NEAR_ENTRIES) return undefined
  const entries: NearPeerEntry[] = []
  let rejected = 0
  for (const raw of peers) {
    const entry = parseEntry(raw)
    if (entry === undefined) rejected++
    else entries.push(entry)
  }
  return { entries, rejected }
}

function parseEntry(raw: unknown): NearPeerEntry | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const { id, addrs, rttMs } = raw as { id?: unknown; addrs?: unknown; rttMs?: unknown }
  if (typeof id !== 'string' || id.length > 128 || typeof rttMs !== 'number') return undefined
  if (!Number.isFinite(rttMs) || rttMs < 0) return undefined
  if (!Array.isArray(addrs) || addrs.length === 0 || addrs.length > MAX_NEAR_ADDRS) return undefined
  let peerId: PeerId
  try {
    peerId = peerIdFromString(id)
  } catch {
    return undefined
  }
  const parsed: Multiaddr[] = []
  for (const text of addrs) {
    if (typeof text !== 'string' || text.length > MAX_NEAR_ADDR_LENGTH) return undefined
    let addr: Multiaddr
    try {
      addr = multiaddr(text)
    } catch {
      return undefined
    }
    const named = addr.getComponents().find((c) => c.name === 'p2p')?.value
    if (isRelayed(addr) || (named !== undefined && named !== id)) return undefined
    parsed.push(named === undefined ? addr.encapsulate(`/p2p/${id}`) : addr)
  }
  return { peerId, addrs: parsed, rttMs }
}

/** A peer's direct addresses from the peer store (at most {@link MAX_NEAR_ADDRS}). */
export async function directAddresses(libp2p: Libp2p, key: string): Promise<string[]> {
  try {
    const peer = await libp2p.peerStore.get(peerIdFromString(key))
    return peer.addresses
      .map(({ multiaddr: addr }) => addr)
      .filter((addr) => !isRelayed(addr))
      .map((addr) => addr.toString())
      .filter((text) => text.length <= MAX_NEAR_ADDR_LENGTH)
      .slice(0, MAX_NEAR_ADDRS)
  } catch {
    return []
  }
}
