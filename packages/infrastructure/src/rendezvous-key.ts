// The rendezvous key of a database, as the Go implementation computes it (wire-compatible).

import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

/**
 * The Go implementation's discovery tag: each database advertises under
 * `p2p-database-discovery_<databaseName>`.
 */
export const RENDEZVOUS_PREFIX = 'p2p-database-discovery_'

/** The rendezvous namespace of a database. */
export function rendezvousNamespace(databaseName: string): string {
  return `${RENDEZVOUS_PREFIX}${databaseName}`
}

/**
 * The DHT key of a rendezvous namespace: CIDv1, raw codec, of the SHA-256 multihash of the
 * namespace string, as go-libp2p's routing discovery (`nsToCid`) computes it.
 *
 * @example
 * const cid = await rendezvousCid('p2p-database-discovery_my-depin')
 */
export async function rendezvousCid(namespace: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(namespace)))
}
