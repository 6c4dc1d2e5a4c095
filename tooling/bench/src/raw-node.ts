import { noise } from '@chainsafe/libp2p-noise'
import { quic } from '@chainsafe/libp2p-quic'
import { yamux } from '@chainsafe/libp2p-yamux'
import { GOSSIPSUB_DEFAULTS, NODE_DEFAULTS } from '@depin/infrastructure'
import { autoNAT } from '@libp2p/autonat'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { type GossipSub, type GossipsubOpts, gossipsub } from '@libp2p/gossipsub'
import { identify, identifyPush } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { kadDHT, passthroughMapper, removePublicAddressesMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'

/** Which direct transport a bench node runs (one at a time, so the figure is that transport's). */
export type BenchTransport = 'quic' | 'tcp'

/** A plain js-libp2p node with @libp2p/gossipsub at `services.pubsub`. */
export type RawNode = Libp2p<{ pubsub: GossipSub } & Record<string, unknown>>

/**
 * The raw baseline: the same libp2p configuration as @depin/infrastructure's node (its
 * `libp2pOptions()` is not exported, so this mirrors packages/infrastructure/src/libp2p-options.ts
 * with NODE_DEFAULTS, and takes GossipSub's options from the exported GOSSIPSUB_DEFAULTS), minus
 * the registry gater, the messaging layer and the bootstrap/rendezvous machinery.
 */
export async function createRawNode(privateKey: PrivateKey, transport: BenchTransport): Promise<RawNode> {
  const defaults = GOSSIPSUB_DEFAULTS
  const gossip: Partial<GossipsubOpts> = {
    ...defaults,
    scoreParams: { ...defaults.scoreParams },
    scoreThresholds: { ...defaults.scoreThresholds },
  }
  const node = await createLibp2p({
    privateKey,
    addresses: {
      listen: [transport === 'quic' ? '/ip4/127.0.0.1/udp/0/quic-v1' : '/ip4/127.0.0.1/tcp/0'],
    },
    transports: [
      transport === 'quic'
        ? quic({
            maxIdleTimeout: NODE_DEFAULTS.quic.maxIdleTimeoutMs,
            keepAliveInterval: NODE_DEFAULTS.quic.keepAliveIntervalMs,
          })
        : tcp(),
      circuitRelayTransport(),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: NODE_DEFAULTS.connectionLimits.high,
      dialTimeout: NODE_DEFAULTS.bootstrap.dialTimeoutMs,
      addressDialTimeout: NODE_DEFAULTS.bootstrap.dialTimeoutMs,
    },
    services: {
      identify: identify(),
      identifyPush: identifyPush(),
      ping: ping(),
      dht: kadDHT({ protocol: '/ipfs/kad/1.0.0', peerInfoMapper: passthroughMapper, clientMode: false }),
      lanDht: kadDHT({
        protocol: '/ipfs/lan/kad/1.0.0',
        peerInfoMapper: removePublicAddressesMapper,
        clientMode: false,
        logPrefix: 'libp2p:dht-lan',
        datastorePrefix: '/dht-lan',
        metricsPrefix: 'libp2p_dht_lan',
      }),
      pubsub: gossipsub(gossip),
      dcutr: dcutr(),
      autonat: autoNAT(),
      relay: circuitRelayServer({
        reservations: { applyDefaultLimit: false, maxReservations: NODE_DEFAULTS.relay.maxReservations },
      }),
    },
  })
  return node as unknown as RawNode
}
