import type { BootstrapNode, WalletIdentity } from '@depin/identity'
import type { Logger } from '@depin/logger'
import type { GossipsubOpts } from '@libp2p/gossipsub'
import type { Libp2pOptions } from 'libp2p'
import type { AccountabilityOptions } from './accountability.js'
import type { PeeringOptions } from './latency.js'

/**
 * Everything {@link createNode} needs. Only `identity` and `getBootstrapNodes` are required; every
 * other field has a default written once in {@link NODE_DEFAULTS}.
 */
export interface NodeInit {
  /** The node's identity, from `parseSecretKey()` of @depin/identity. Its private key is never logged. */
  identity: WalletIdentity
  /** Reads the current bootstrap nodes (from the on-chain registry). Called on every bootstrap attempt. */
  getBootstrapNodes: (options: { signal: AbortSignal }) => Promise<BootstrapNode[]>
  /** Where the node logs. @default noopLogger */
  logger?: Logger | undefined
  /**
   * Route libp2p's own component logs into `logger` at debug level (the Go implementation turns
   * libp2p debug logging on when the logger is at debug).
   * @default true when `logger.isLevelEnabled('debug')` is true
   */
  libp2pLogs?: boolean | undefined
  /** Listen ports; 0 = any free port. @default { quic: 4001, tcp: 4002 } */
  listenPorts?: { quic?: number | undefined; tcp?: number | undefined } | undefined
  /** The interface to listen on. @default '0.0.0.0' */
  listenHost?: string | undefined
  /**
   * Replaces the listen addresses built from `listenHost`/`listenPorts` (e.g. `['/p2p-circuit']` for a
   * node that is reachable only through a relay). @default undefined
   */
  listenAddresses?: string[] | undefined
  /** Multiaddrs to announce instead of the listen addresses (a node behind NAT with a known public IP). @default [] */
  announceAddresses?: string[] | undefined
  /** Which direct transports to run. @default { quic: true, tcp: true } */
  transports?: { quic?: boolean | undefined; tcp?: boolean | undefined } | undefined
  /**
   * QUIC liveness. A connection that carries nothing for `maxIdleTimeoutMs` is closed: a peer that
   * vanished (power cut, cable pulled) is noticed that late. Each side sends a keepalive after
   * `keepAliveIntervalMs` of quiet, so a live idle connection stays open. The defaults are
   * go-libp2p's (quic-go's 30 s idle timeout, 15 s keepalive), so both ends of a connection to a Go
   * node keep the same timings (QUIC uses the smaller of the two sides' idle timeouts). Keepalives
   * cost the QUIC runtime's threads on every idle connection: a node with 12 idle peers spent
   * 0.9 ms/s on them with a 5 s keepalive and 0.28 ms/s with 15 s (bench/README.md, "vs Go").
   * Shorter timings notice a dead peer sooner at that cost; on a busy host (event loops stalled
   * for seconds) an idle timeout under ~5 s closes healthy connections.
   */
  quic?:
    | {
        /** @default 30_000 */
        maxIdleTimeoutMs?: number | undefined
        /** Must be below `maxIdleTimeoutMs`. @default 15_000 */
        keepAliveIntervalMs?: number | undefined
      }
    | undefined
  /**
   * Dead-peer detection for TCP (and other non-QUIC) connections: each is pinged every
   * `pingIntervalMs` on its own schedule; a failed ping is retried after a quarter interval, and
   * `maxFailures` failures in a row close the connection. QUIC connections are not pinged: QUIC's
   * keepalive and idle timeout (above) close them. TCP needs it: js-libp2p's yamux keepalive never
   * closes a connection, and a vanished peer (no FIN, no RST) leaves the socket open for the
   * kernel's retransmission timeout (~15 min). With the defaults a silent TCP peer is dropped
   * within about 2 minutes. Each ping is a new stream on both sides, so more often costs CPU (a
   * 50-process network on 2 cores: libp2p's 10 s pings of every connection kept both cores busy).
   * The monitor also closes a peer's older connection (any transport) when the peer connects anew
   * and the old one does not answer one ping within 5 s (at most `pingTimeoutMs`; `pingTimeoutMs`
   * when the two opened within 2 s of each other, as both ends dialing at once do), once the new one
   * is usable (see `readiness`): a peer that crashed and restarted is then reached on its new
   * connection within seconds, not after QUIC's idle timeout. `pingIntervalMs: 0` turns the monitor off, with that check. It replaces libp2p's
   * connection monitor, which closes a connection on its first failed ping (see connection-monitor.ts).
   * @default { pingIntervalMs: 60_000, pingTimeoutMs: 20_000, maxFailures: 3 }
   */
  connectionMonitor?:
    | {
        pingIntervalMs?: number | undefined
        pingTimeoutMs?: number | undefined
        maxFailures?: number | undefined
      }
    | undefined
  /** Bootstrap dialing and the retry loop. */
  bootstrap?:
    | {
        /** Time allowed for each dial attempt (QUIC, then TCP). @default 30_000 */
        dialTimeoutMs?: number | undefined
        /** Time allowed for one `getBootstrapNodes` call. @default 10_000 */
        listTimeoutMs?: number | undefined
        /** Delay before the retry loop's first attempt. @default 2_000 */
        retryInitialDelayMs?: number | undefined
        /** Interval between retry attempts. @default 5_000 */
        retryIntervalMs?: number | undefined
      }
    | undefined
  /**
   * Connection manager watermarks (go-libp2p's connmgr), the band a node's peer count stays in
   * whatever the size of the network: at `high` open connections the least valuable are closed
   * until `low` remain (GossipSub mesh peers and the DHT's closest peers last); bootstrap and relay
   * peers and connections younger than `gracePeriodMs` are kept. Inbound connections are refused
   * only at 4 x `high` (libp2p's hard cap), so a bootstrap node that a whole network joins at once
   * takes them and trims later. 32-64 holds a full GossipSub mesh (up to 12 per topic), its gossip
   * peers and the DHT's 20 closest peers. `inboundPerHostPerSecond` is libp2p's per-IP rate
   * limit on inbound connections (beyond it a connection is reset before the handshake); raise
   * it for nodes that many peers reach from one address (CGNAT, a site's NAT).
   * @default { low: 32, high: 64, gracePeriodMs: 60_000, inboundPerHostPerSecond: 5 }
   */
  connectionLimits?:
    | {
        low?: number | undefined
        high?: number | undefined
        gracePeriodMs?: number | undefined
        inboundPerHostPerSecond?: number | undefined
      }
    | undefined
  /** Kademlia DHT (`/ipfs/kad/1.0.0`). */
  dht?:
    | {
        /** Keep private and loopback addresses in the DHT (datacenter and test networks). @default true */
        allowPrivateAddresses?: boolean | undefined
        /** Only query the DHT, never serve it. @default false (serve) */
        clientMode?: boolean | undefined
        /**
         * Also run the LAN DHT (`/ipfs/lan/kad/1.0.0`, private addresses only), the other half of
         * go-libp2p's dual DHT, and advertise/find rendezvous on both. Needed where nodes of the Go
         * implementation take part (their dual DHT keeps private addresses in its LAN half only);
         * a network of our nodes alone can turn it off: with `allowPrivateAddresses` the WAN DHT
         * holds the same peers, and the LAN DHT repeats its lookups, records and pings. @default true
         */
        lan?: boolean | undefined
      }
    | undefined
  /** Rendezvous discovery of each database's peers. */
  rendezvous?:
    | {
        /** How often to look for peers of each database. @default 10_000 */
        findIntervalMs?: number | undefined
        /**
         * The longest wait between lookups. A lookup that connects nobody new doubles the wait, up
         * to this; a peer leaving, readiness changing or a lookup that finds someone new brings it
         * back to `findIntervalMs`. In a network smaller than `targetPeers` every lookup would
         * otherwise repeat the last one forever (a DHT query to every peer, every interval). It is
         * also how long two halves of a healed partition may take to find each other through the
         * DHT. An advertisement that reached nobody is retried the same way: after `findIntervalMs`,
         * then twice as long each time it fails again, up to this (one that reaches a peer resets it).
         * At least `findIntervalMs`. @default 120_000 (or `findIntervalMs` when that is longer)
         */
        maxFindIntervalMs?: number | undefined
        /** How often to renew the advertisement (must be well under the 24-48 h provider record TTL). @default 3_600_000 */
        advertiseIntervalMs?: number | undefined
        /**
         * Lookups are skipped while this many of the database's peers are connected (a peer leaving
         * brings them back at once). A js-libp2p DHT lookup asks up to 10 peers at a time until the
         * key's closest peers answered: in a network of 25 nodes on one machine, lookups every 2 s
         * took more CPU than the traffic. 12 is GossipSub's `Dhi`, the most mesh peers per topic.
         * @default 12
         */
        targetPeers?: number | undefined
      }
    | undefined
  /** Circuit relay v2. */
  relay?:
    | {
        /** Serve as a relay (hop) for authorized peers, without data or time limits. @default true */
        server?: boolean | undefined
        /** How many peers may hold a reservation on this relay at once. @default 128 */
        maxReservations?: number | undefined
      }
    | undefined
  /**
   * UPnP IGD port mapping (@libp2p/upnp-nat): the node asks its LAN's router to forward its TCP and
   * QUIC listen ports, announces the router's external address with the mapped ports, and removes
   * the mappings on stop, so that peers outside the NAT can dial it. It runs only where there is
   * something to map: a listen address that is IPv4 `0.0.0.0` or a private IPv4 address (RFC 1918,
   * RFC 6598), as on a home or edge device behind a router, and no `announceAddresses` (they replace
   * every other address); a node listening only on loopback, on IPv6 or on public addresses never
   * searches. The router is found with SSDP (multicast
   * `M-SEARCH` on every non-loopback interface for 5 s at start, then every 5 minutes while none
   * answers; IGDv2 routers only) unless `gateways` lists its device descriptor URLs (e.g.
   * `http://192.168.1.1:5000/rootDesc.xml`). NAT-PMP is not used.
   * `false` turns it off.
   * @default true
   */
  portMapping?: boolean | { gateways?: string[] | undefined } | undefined
  /** GossipSub options merged over {@link GOSSIPSUB_DEFAULTS}. */
  gossipsub?: Partial<GossipsubOpts> | undefined
  /**
   * AutoNAT. The client side (asking peers to dial us back) always runs. `server: true` also answers
   * peers' dial-back requests; it is off by default because @libp2p/autonat 3.0.28's server closes
   * the requester's existing connection after its dial-back (it reuses that connection, then closes
   * it in a `finally`), so a node with a public address would keep losing its peers.
   * @default { server: false }
   */
  autonat?: { server?: boolean | undefined } | undefined
  /**
   * NAT traversal. With `holePunching` (Linux and other systems with `SO_REUSEPORT`), TCP listens
   * with `SO_REUSEPORT` and dials from its listening port, the node learns its public address from
   * what `confirmations` distinct authorized peers observe (identify), advertises it, and DCUtR
   * upgrades a relayed connection between two nodes behind endpoint-independent NATs to a direct
   * TCP connection. QUIC cannot punch holes yet (@chainsafe/libp2p-quic dials from a separate
   * socket). Behind a symmetric NAT connections stay relayed; the node logs it and reports
   * `metrics().nat.type === 'symmetric'`. libp2p's DCUtR punches once per relayed connection; a peer
   * still reached only through a relay is punched again after `holePunchRetryMs`, then after twice
   * as long each time up to 15 min, and at once when the node starts advertising a new address
   * (`0`: never again).
   * @default { holePunching: true, confirmations: 2, holePunchRetryMs: 60_000 }
   */
  nat?:
    | {
        holePunching?: boolean | undefined
        confirmations?: number | undefined
        holePunchRetryMs?: number | undefined
      }
    | undefined
  /**
   * The GossipSub link check: a connected peer that speaks GossipSub but that GossipSub has lost
   * (no stream either way, or forgotten after a stream error; it happens when a peer crashes and
   * comes back with the same key) is reconnected after two checks. A peer whose newest connection
   * is younger than `graceMs` is left alone: identify and GossipSub's stream negotiations take up
   * to libp2p's 5 s and 10 s timeouts on a busy node, so it needs time; checking sooner reconnects
   * healthy peers (measured: a cascade of repairs at 2 s / 5 s in a 20-process churn).
   * `checkIntervalMs: 0` turns it off. The check runs in the wake-up of a GossipSub heartbeat (the
   * first once `checkIntervalMs` has passed), so that an idle node does not wake up for it; an
   * interval shorter than the heartbeat gets its own timer.
   * @default { checkIntervalMs: 5_000, graceMs: 15_000 }
   */
  pubsubLinks?: { checkIntervalMs?: number | undefined; graceMs?: number | undefined } | undefined
  /**
   * Readiness counts a peer once its connection is usable: identify completed on it (the remote
   * answered over it, so its gater admitted us), or it stayed open `settleMs` (a peer that runs no
   * identify). A QUIC or TCP connection that the remote's gater closes right after the handshake
   * never makes the node ready; it is counted (`connectionsRefused`) and reported (`peer:refused`).
   * @default { settleMs: 5_000 }
   */
  readiness?: { settleMs?: number | undefined } | undefined
  /**
   * Who pays for invalid events (see the accountability in @depin/infrastructure's README): the
   * signed author gets a strike per invalid event and is suspended (its events dropped, its
   * connections closed and refused) at `strikesToSuspend`; a relay is never penalised for events it
   * did not author. @default ACCOUNTABILITY_DEFAULTS
   */
  accountability?: AccountabilityOptions | undefined
  /**
   * Latency-aware peering: measure each peer's RTT, trim far peers first and make GossipSub's mesh
   * prefer near ones, while keeping `keepPerFarBand` links in every far RTT band (see
   * {@link PeeringOptions}). Off by default: its p99 gain in the region test is within the noise
   * (tooling/netlab README). @default PEERING_DEFAULTS (`latencyAware: false`)
   */
  peering?: PeeringOptions | undefined
  /**
   * libp2p's metrics implementation, passed to `createLibp2p({ metrics })` (e.g. `libp2pMetrics()`
   * of @depin/metrics for Prometheus). @default undefined (libp2p collects no metrics)
   */
  metrics?: Libp2pOptions['metrics'] | undefined
}
