import net from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { quic } from '@chainsafe/libp2p-quic'
import { yamux } from '@chainsafe/libp2p-yamux'
import { createLibp2pLogBridge } from '@depin/logger'
import { autoNAT } from '@libp2p/autonat'
import { type CircuitRelayService, circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { type GossipSub, type GossipsubOpts, gossipsub } from '@libp2p/gossipsub'
import { type Identify, type IdentifyPush, identify, identifyPush } from '@libp2p/identify'
import type { ConnectionGater } from '@libp2p/interface'
import {
  type KadDHT,
  kadDHT,
  passthroughMapper,
  removePrivateAddressesMapper,
  removePublicAddressesMapper,
} from '@libp2p/kad-dht'
import { type Ping, ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import type { UPnPNATComponents } from '@libp2p/upnp-nat'
import type { Libp2pOptions } from 'libp2p'
import { compareAddresses } from './address-order.js'
import type { ResolvedNodeInit } from './config-resolve.js'
import { sharedContactPings } from './dht-contact-pings.js'
import { gossipsubOptions } from './gossipsub-defaults.js'
import { type NatObserver, natObserver } from './nat.js'
import type { PortMappingService } from './port-mapping.js'
import { RENDEZVOUS_QUERY_TIMEOUT_MS } from './rendezvous.js'

/** The DHT protocol of go-libp2p's (WAN) Kademlia DHT, which the Go implementation speaks. */
export const DHT_PROTOCOL = '/ipfs/kad/1.0.0'

/** The LAN half of go-libp2p's dual DHT (private addresses only). */
export const LAN_DHT_PROTOCOL = '/ipfs/lan/kad/1.0.0'

/**
 * How often each DHT refreshes its routing table and looks itself up: go-libp2p-kad-dht's routing
 * table refresh period (10 min; kad-dht's JS default is 5 min for each). Both run a burst of DHT
 * queries on every node at once: in an idle 13-node network ~125 ms of CPU per node every 5 min
 * (0.4 ms/s averaged, as much as all the rest of an idle node's upkeep); the rendezvous lookups,
 * not these refreshes, are how our nodes find each other.
 */
export const DHT_REFRESH_INTERVAL_MS = 10 * 60_000

/**
 * How long a provide's walk to the key's closest peers runs before the record goes to the closest
 * peers that answered so far (`provideWalkTimeout`, added by patches/@libp2p__kad-dht@16.4.5.patch;
 * go-libp2p-kad-dht's Provide keeps back part of its deadline the same way). A rendezvous
 * advertisement has 30 s (`RENDEZVOUS_QUERY_TIMEOUT_MS`): two thirds of it for the walk, 20 s, leaves
 * 10 s to hand the record to peers that just answered.
 * Without it, in a 250-node testnet (production timings, QUIC) 1,639 of 1,672 advertisements failed:
 * every node walks to the same key at start, the walks' last hops (the ~20 peers nearest the key,
 * which every walk asks) answer slowly, the 30 s ran out mid-walk, the record reached nobody, and the
 * node walked again 10 to 120 s later, for as long as the network ran (bench/README.md, "Where the
 * start's connections come from").
 */
export const PROVIDE_WALK_TIMEOUT_MS = (RENDEZVOUS_QUERY_TIMEOUT_MS * 2) / 3

/** What both DHTs (WAN and LAN) run with (the options are added by patches/@libp2p__kad-dht@16.4.5.patch). */
const DHT_COMMON = Object.freeze({
  // The DHT's 20 closest peers are trimmed last (tag value 50) but not kept alive: libp2p would
  // redial each one the moment it drops, and with 20 per DHT on both ends a node's connections
  // could not stay in a band below ~40.
  closestPeersKeepAlive: false,
  querySelfInterval: DHT_REFRESH_INTERVAL_MS,
  tableRefreshInterval: DHT_REFRESH_INTERVAL_MS,
  // Peers named in DHT responses are not pinged into the routing table (a ping dials each one
  // we are not connected to): it takes connected peers and those that answered our queries, as
  // go-libp2p-kad-dht does. At 250 nodes on 2 cores those pings were most of the dials once the
  // network had started, each one redoing QUIC, identify and GossipSub set-up on both ends.
  addCloserPeersToRoutingTable: false,
  provideWalkTimeout: PROVIDE_WALK_TIMEOUT_MS,
})

/**
 * The services of every node's libp2p instance. `pubsub` is the GossipSub router that
 * @depin/messaging uses; `relay` is absent when `relay.server` is false.
 */
export type DepinServices = {
  pubsub: GossipSub
  dht: KadDHT
  /** The LAN DHT (`/ipfs/lan/kad/1.0.0`); absent when `dht.lan` is false. */
  lanDht?: KadDHT
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dcutr: unknown
  /** What peers observe of this node's addresses: its NAT type, advertised addresses, hole punches. */
  nat: NatObserver
  autonat: unknown
  relay?: CircuitRelayService
  /** UPnP IGD port mapping; absent when `portMapping` is off or there is nothing to map. */
  portMapping?: PortMappingService
}

/** The protocol @libp2p/autonat's server answers on (its default prefix). */
export const AUTONAT_PROTOCOL = '/libp2p/autonat/1.0.0'

/** The `createLibp2p` options for a node (transports, services, limits), from a resolved config. */
export function libp2pOptions(
  config: ResolvedNodeInit,
  connectionGater: ConnectionGater,
  gossipsubOpts: Partial<GossipsubOpts> = gossipsubOptions(config.gossipsub),
  /** The port mapping service (`loadPortMapping()`), when `config.portMapping.enabled`. */
  portMapping?: (components: UPnPNATComponents) => PortMappingService,
): Libp2pOptions<DepinServices> {
  const transports: NonNullable<Libp2pOptions['transports']> = []
  if (config.transports.quic) {
    transports.push(
      quic({
        maxIdleTimeout: config.quic.maxIdleTimeoutMs,
        keepAliveInterval: config.quic.keepAliveIntervalMs,
      }),
    )
  }
  // Dialing from the listening port makes the address peers observe the one to dial back (TCP hole
  // punching); patches/@libp2p__tcp@11.0.28.patch adds `reusePort`.
  const reusePort = tcpReusePort(config)
  if (config.transports.tcp) transports.push(tcp({ reusePort }))
  transports.push(circuitRelayTransport())

  // Both DHTs verify a new contact with one ping between them (see dht-contact-pings.ts).
  const contactPings = sharedContactPings()
  const services = {
    identify: identify(),
    identifyPush: identifyPush(),
    // Three outbound pings per connection: the DHTs' (one for both), our connection monitor's and
    // latency-aware peering's RTT sample (one by default; a second would fail with
    // TooManyOutboundProtocolStreamsError).
    ping: ping({ maxOutboundStreams: 3 }),
    dht: withComponents(
      contactPings.wrap,
      kadDHT({
        protocol: DHT_PROTOCOL,
        ...DHT_COMMON,
        peerInfoMapper: config.dht.allowPrivateAddresses ? passthroughMapper : removePrivateAddressesMapper,
        // A node that keeps private addresses is on a datacenter or test network: it can serve
        // there, so it must not wait for a public address to switch to server mode. Otherwise
        // (clientMode unset) kad-dht switches to server mode once it has a public address.
        ...(config.dht.clientMode
          ? { clientMode: true }
          : config.dht.allowPrivateAddresses
            ? { clientMode: false }
            : {}),
      }),
    ),
    ...(config.dht.lan
      ? {
          // go-libp2p's dual DHT keeps private addresses only in its LAN half: on a private
          // datacenter network, Go nodes find our records there.
          lanDht: withComponents(
            contactPings.wrap,
            kadDHT({
              protocol: LAN_DHT_PROTOCOL,
              ...DHT_COMMON,
              peerInfoMapper: removePublicAddressesMapper,
              ...(config.dht.clientMode ? { clientMode: true } : { clientMode: false }),
              logPrefix: 'libp2p:dht-lan',
              datastorePrefix: '/dht-lan',
              metricsPrefix: 'libp2p_dht_lan',
            }),
          ),
        }
      : {}),
    pubsub: gossipsub(gossipsubOpts),
    dcutr: dcutr(),
    nat: natObserver({
      confirmations: config.nat.confirmations,
      tcpDialsFromListenPort: config.transports.tcp && reusePort,
      holePunchRetryMs: config.nat.holePunchRetryMs,
      logger: config.logger,
    }),
    autonat: autoNAT(),
    ...(portMapping === undefined ? {} : { portMapping }),
    ...(config.relay.server
      ? {
          relay: circuitRelayServer({
            // Relay v2's default limits (2 min, 128 KiB per connection) starve GossipSub; only
            // authorized peers get this far (the gater's relay hooks), so relay them unlimited.
            reservations: { applyDefaultLimit: false, maxReservations: config.relay.maxReservations },
          }),
        }
      : {}),
  }

  return {
    privateKey: config.identity.privateKey,
    ...(config.libp2pLogs ? { logger: createLibp2pLogBridge(config.logger) } : {}),
    ...(config.metrics === undefined ? {} : { metrics: config.metrics }),
    addresses: {
      listen: config.listenAddresses,
      ...(config.announceAddresses.length > 0 ? { announce: config.announceAddresses } : {}),
    },
    transports,
    // TCP and relayed connections. Our Noise patch compiles its WebAssembly ciphers on a session's
    // first small frame, not at import: a node whose peers are all on QUIC never compiles them.
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater,
    // Ours (connection-monitor.ts) pings TCP connections only and closes after repeated failures.
    connectionMonitor: { enabled: false },
    connectionManager: {
      // The hard cap; `high` is where our trimmer closes the least useful connections down to
      // `low` (go-libp2p's connmgr is soft too). Connections in their grace period cannot be
      // trimmed, so a bootstrap node that many nodes join at once goes above `high` for a while.
      maxConnections: hardConnectionCap(config.connectionLimits.high),
      inboundConnectionThreshold: config.connectionLimits.inboundPerHostPerSecond,
      // The Go implementation allows 30 s per dial attempt; libp2p's own defaults (10 s per dial, 6 s per
      // address) would cut a slow datacenter link short.
      dialTimeout: config.bootstrap.dialTimeoutMs,
      addressDialTimeout: config.bootstrap.dialTimeoutMs,
      addressSorter: compareAddresses,
    },
    services: services as NonNullable<Libp2pOptions<DepinServices>['services']>,
  }
}

/**
 * Whether TCP listens with `SO_REUSEPORT` and dials from its listening port: with hole punching on,
 * where the OS has `SO_REUSEPORT` and Node.js can bind a socket before connecting it
 * (`net.BoundSocket`).
 */
export function tcpReusePort(config: ResolvedNodeInit): boolean {
  return (
    config.nat.holePunching &&
    REUSE_PORT_PLATFORMS.has(process.platform) &&
    typeof (net as { BoundSocket?: unknown }).BoundSocket === 'function'
  )
}

const REUSE_PORT_PLATFORMS = new Set<string>(['linux', 'freebsd', 'openbsd', 'netbsd', 'darwin'])

/** libp2p's hard connection cap for a `high` watermark: room for a start storm's young connections. */
export function hardConnectionCap(high: number): number {
  return Math.max(4 * high, high + 64)
}

/** A service factory that is handed `wrap(components)` instead of the node's components. */
function withComponents<C, S>(
  wrap: (components: C) => C,
  factory: (components: C) => S,
): (components: C) => S {
  return (components) => factory(wrap(components))
}
