import { createRegistryGater, type RegistryGater } from '@depin/gater'
import { gossipSubInternals } from '@depin/infrastructure'
import type { GeneratedWallet } from '@depin/test-utils'
import { createTestLibp2p } from '@depin/test-utils'
import { type GossipSub, gossipsub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { fromString } from 'uint8arrays'

/**
 * A plain js-libp2p + GossipSub node that publishes whatever bytes it is given (no validator, no
 * DHT, no discovery), signed with its wallet under StrictSign: an authorized peer that misbehaves.
 * Its gater admits only `admit` (changeable), so it stays connected to the peers a test dials.
 */
export interface RawAuthor {
  readonly libp2p: Libp2p<{ pubsub: GossipSub; identify: unknown }>
  readonly peerId: string
  /** Replaces the wallets its own gater admits (takes effect at once). */
  admit(wallets: string[]): Promise<void>
  dial(addr: string): Promise<void>
  /**
   * Subscribers of the GossipSub topic `full` that a publish reaches now: GossipSub knows them as
   * subscribers (their stream to us carried it) and holds its own outbound stream to them (which
   * can open later: a publish before it goes to nobody).
   */
  reachable(full: string): number
  /** Publishes raw bytes on the GossipSub topic `full` (`<db>_<topic>`). */
  publish(full: string, data: Uint8Array): Promise<number>
  stop(): Promise<void>
}

export async function startRawAuthor(init: { wallet: GeneratedWallet; admit: string[] }): Promise<RawAuthor> {
  let admitted = [...init.admit]
  const gater: RegistryGater = createRegistryGater({
    getAuthorizedWallets: async () => admitted,
    refreshIntervalMs: 60_000,
    missCallIntervalMs: 60_000,
  })
  await gater.start()
  let libp2p: RawAuthor['libp2p']
  try {
    libp2p = await createTestLibp2p<{ pubsub: GossipSub }>({
      privateKey: init.wallet.identity.privateKey,
      connectionGater: gater.connectionGater,
      transports: ['tcp'],
      options: {
        services: {
          pubsub: gossipsub({
            allowPublishToZeroTopicPeers: true,
            // Larger than any payload a test sends (the receivers' own limits are what is tested).
            maxInboundDataLength: 8 * 1024 * 1024,
          }),
        },
      },
    })
  } catch (err) {
    await gater.stop()
    throw err
  }
  return {
    libp2p,
    peerId: libp2p.peerId.toString(),
    async admit(wallets) {
      admitted = [...wallets]
      await gater.refresh()
    },
    async dial(addr) {
      await libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(10_000) })
    },
    reachable(full) {
      const internals = gossipSubInternals(libp2p.services.pubsub)
      return libp2p.services.pubsub
        .getSubscribers(full)
        .filter((peer) => internals.hasOutboundStream(peer.toString()) === true).length
    },
    async publish(full, data) {
      const result = await libp2p.services.pubsub.publish(full, data)
      return result.recipients.length
    },
    async stop() {
      await libp2p.stop()
      await gater.stop()
    },
  }
}

/** One kind of malformed event payload, as an authorized but faulty or hostile author sends it. */
export interface BadPayloadKind {
  kind: string
  /** The reject reason our node gives it (`message:rejected`). */
  reason: string
  /** The payload; `self` is the author's PeerId, `other` a PeerId to impersonate. */
  make(self: string, other: string, n: number): Uint8Array
}

const json = (value: unknown): Uint8Array => fromString(JSON.stringify(value))
const now = (): number => Math.floor(Date.now() / 1000)

/**
 * Twelve kinds of malformed events (the ten and two more). The 2 MiB one is last: a Go
 * node (1 MiB limit) resets the stream it arrives on.
 */
export const BAD_PAYLOADS: readonly BadPayloadKind[] = [
  { kind: 'not JSON', reason: 'not-json', make: (_s, _o, n) => fromString(`{"id": "broken-${n}", oops`) },
  { kind: 'JSON array', reason: 'not-object', make: (s, _o, n) => json([`bad-${n}`, s, 1]) },
  { kind: 'JSON string', reason: 'not-object', make: (_s, _o, n) => json(`just a string ${n}`) },
  {
    kind: 'empty id',
    reason: 'missing-id',
    make: (s, _o, n) => json({ id: '', from_peer: s, message: { n }, timestamp: now() }),
  },
  {
    kind: 'missing id',
    reason: 'missing-id',
    make: (s, _o, n) => json({ from_peer: s, message: { n }, timestamp: now() }),
  },
  {
    kind: 'numeric id',
    reason: 'missing-id',
    make: (s, _o, n) => json({ id: 1000 + n, from_peer: s, message: { n }, timestamp: now() }),
  },
  {
    kind: 'missing from_peer',
    reason: 'invalid-from-peer',
    make: (_s, _o, n) => json({ id: crypto.randomUUID(), message: { n }, timestamp: now() }),
  },
  {
    kind: 'spoofed from_peer',
    reason: 'from-peer-mismatch',
    make: (_s, o, n) => json({ id: crypto.randomUUID(), from_peer: o, message: { n }, timestamp: now() }),
  },
  {
    kind: 'string timestamp',
    reason: 'invalid-timestamp',
    make: (s, _o, n) =>
      json({ id: crypto.randomUUID(), from_peer: s, message: { n }, timestamp: String(now()) }),
  },
  {
    kind: 'float timestamp',
    reason: 'invalid-timestamp',
    make: (s, _o, n) =>
      json({ id: crypto.randomUUID(), from_peer: s, message: { n }, timestamp: now() + 0.5 }),
  },
  {
    kind: 'missing timestamp',
    reason: 'invalid-timestamp',
    make: (s, _o, n) => json({ id: crypto.randomUUID(), from_peer: s, message: { n } }),
  },
  {
    kind: '2 MiB event',
    reason: 'too-large',
    make: (s, _o, n) =>
      json({
        id: crypto.randomUUID(),
        from_peer: s,
        message: 'x'.repeat(2 * 1024 * 1024 + n),
        timestamp: now(),
      }),
  },
]

/**
 * `count` payloads cycling through the kinds, with every 2 MiB one moved to the end (so that a Go
 * relay resetting its stream does not cut the injection short).
 */
export function badPayloadPlan(count: number): BadPayloadKind[] {
  const plan = Array.from({ length: count }, (_, i) => BAD_PAYLOADS[i % BAD_PAYLOADS.length]!)
  const big = plan.filter((p) => p.kind === '2 MiB event')
  return [...plan.filter((p) => p.kind !== '2 MiB event'), ...big]
}
