import { createRegistryGater, type PeerDeniedDetail, type RegistryGater } from '@depin/gater'
import type { GeneratedWallet } from '@depin/test-utils'
import { createTestLibp2p } from '@depin/test-utils'
import { type GossipSub, gossipsub, type Message } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import { type KadDHT, kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { type Ping, ping } from '@libp2p/ping'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { fromString, toString as uint8ToString } from 'uint8arrays'

/** The wire Event, with the Go implementation's JSON keys. */
export interface WireEvent {
  id: string
  from_peer: string
  message: unknown
  timestamp: number
}

type Services = { pubsub: GossipSub; dht: KadDHT; ping: Ping }

/** A plain js-libp2p 3 node as our infrastructure builds one: gater, GossipSub, kad-DHT. */
export interface TsNode {
  readonly libp2p: Libp2p<Services & { identify: unknown }>
  readonly gater: RegistryGater
  readonly peerId: string
  readonly denied: PeerDeniedDetail[]
  /** Our address of a transport, with /p2p/. */
  addr(transport: 'quic' | 'tcp'): string
  /** Subscribes to `<db>_<topic>`; received events are pushed to `received`. */
  subscribe(topic: string): void
  readonly received: Array<{ topic: string; from: string; event: WireEvent }>
  /** Publishes an Event as the Go implementation encodes it, and returns it. */
  publish(topic: string, message: unknown): Promise<WireEvent>
  /** PeerIds GossipSub knows as subscribed to `<db>_<topic>`. */
  topicPeers(topic: string): string[]
  stop(): Promise<void>
}

/** The DHT key of a rendezvous namespace: CIDv1 raw of sha256(namespace), as go-libp2p's nsToCid. */
export async function rendezvousCid(namespace: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(fromString(namespace)))
}

/** Starts a loopback js-libp2p node whose gater admits only `authorized` wallets. */
export async function startTsNode(init: {
  wallet: GeneratedWallet
  db: string
  authorized: string[]
  transports?: Array<'tcp' | 'quic'>
}): Promise<TsNode> {
  const gater = createRegistryGater({
    getAuthorizedWallets: async () => init.authorized,
    refreshIntervalMs: 60_000,
    missCallIntervalMs: 60_000,
  })
  const denied: PeerDeniedDetail[] = []
  gater.addEventListener('peer:denied', (e) => denied.push(e.detail))
  await gater.start()
  let libp2p: TsNode['libp2p']
  try {
    libp2p = await createTestLibp2p<Services>({
      privateKey: init.wallet.identity.privateKey,
      connectionGater: gater.connectionGater,
      ...(init.transports === undefined ? {} : { transports: init.transports }),
      options: {
        services: {
          // Defaults as go-libp2p-pubsub: StrictSign, meshsub 1.1/1.2, message id from+seqno.
          pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, runOnLimitedConnection: true }),
          dht: kadDHT({ protocol: '/ipfs/kad/1.0.0', clientMode: false, peerInfoMapper: passthroughMapper }),
          ping: ping(),
        },
      },
    })
  } catch (err) {
    await gater.stop()
    throw err
  }
  const received: TsNode['received'] = []
  const topicOf = new Map<string, string>()
  libp2p.services.pubsub.addEventListener('message', (evt: CustomEvent<Message>) => {
    const msg = evt.detail
    const topic = topicOf.get(msg.topic)
    if (topic === undefined || msg.type !== 'signed') return
    received.push({
      topic,
      from: msg.from.toString(),
      event: JSON.parse(uint8ToString(msg.data)) as WireEvent,
    })
  })
  const full = (topic: string): string => `${init.db}_${topic}`
  return {
    libp2p,
    gater,
    peerId: libp2p.peerId.toString(),
    denied,
    received,
    addr(transport) {
      const found = libp2p
        .getMultiaddrs()
        .map((m) => m.toString())
        .find((a) => (transport === 'quic' ? a.includes('/quic-v1') : a.includes('/tcp/')))
      if (found === undefined) throw new Error(`the TS node has no ${transport} address`)
      return found
    },
    subscribe(topic) {
      topicOf.set(full(topic), topic)
      libp2p.services.pubsub.subscribe(full(topic))
    },
    async publish(topic, message) {
      const event: WireEvent = {
        id: crypto.randomUUID(),
        from_peer: libp2p.peerId.toString(),
        message,
        timestamp: Math.floor(Date.now() / 1000),
      }
      await libp2p.services.pubsub.publish(full(topic), fromString(JSON.stringify(event)))
      return event
    },
    topicPeers(topic) {
      return libp2p.services.pubsub.getSubscribers(full(topic)).map((p) => p.toString())
    },
    async stop() {
      await libp2p.stop()
      await gater.stop()
    },
  }
}
