import { BlockList, isIPv4 } from 'node:net'
import type {
  Gateway,
  MapPortOptions,
  PortMapping,
  UPnPNAT as UPnPClient,
  upnpNat,
} from '@achingbrain/nat-port-mapper'
import type { Logger } from '@depin/logger'
import { counter, createCounts, each, flag, gauge, type SnapshotOf, snapshotOf } from '@depin/metrics-schema'
import { type Startable, start, stop } from '@libp2p/interface'
import type { UPnPNATComponents, uPnPNAT } from '@libp2p/upnp-nat'
import { multiaddr } from '@multiformats/multiaddr'

/** The port mapping's state, part of the node's metrics. */
export const PORT_MAPPING_METRICS = {
  /** Port mapping runs on this node (see `NodeInit.portMapping`). */
  enabled: flag('node_port_mapping_enabled', '1 when UPnP port mapping runs on this node.'),
  /** UPnP Internet Gateway Devices found (by SSDP search or from `portMapping.gateways`). */
  gateways: gauge('node_port_mapping_gateways', 'UPnP gateways found.'),
  /** The external sockets the gateways forward to this node now, e.g. `/ip4/203.0.113.7/udp/4001`. */
  mapped: each(
    'node_port_mapped',
    'External sockets a UPnP gateway forwards to this node, 1 each (address: /ip4/<external>/<tcp|udp>/<port>).',
    'address',
  ),
  /** Mapping requests a gateway refused or that failed. */
  failures: counter(
    'node_port_mapping_failures_total',
    'Port mapping requests a UPnP gateway refused or that failed.',
  ),
}

/** The port mapping's state, part of the node's metrics. */
export type PortMappingMetrics = SnapshotOf<typeof PORT_MAPPING_METRICS>

export interface PortMappingInit {
  /** UPnP device descriptor URLs to use instead of an SSDP search; empty = search. */
  gateways: string[]
  logger: Logger
}

/** The port mapping service: `libp2p.services.portMapping`. */
export interface PortMappingService {
  metrics(): PortMappingMetrics
}

/**
 * Private IPv4 ranges a NAT router hands out (RFC 1918, and RFC 6598 carrier-grade NAT where a
 * gateway may still map): a node listening on one of these is behind a NAT that may map ports.
 */
const NATED_IPV4 = new BlockList()
NATED_IPV4.addSubnet('10.0.0.0', 8, 'ipv4')
NATED_IPV4.addSubnet('172.16.0.0', 12, 'ipv4')
NATED_IPV4.addSubnet('192.168.0.0', 16, 'ipv4')
NATED_IPV4.addSubnet('100.64.0.0', 10, 'ipv4')

/**
 * Whether any of the listen addresses is one a UPnP gateway could map: IPv4 `0.0.0.0`, or a
 * private IPv4 address behind a NAT (RFC 1918 / RFC 6598). Loopback, link-local, public, IPv6 and
 * relay-only listen addresses give it nothing to map, so it must not search the network at all.
 */
export function hasMappableListenAddress(listenAddresses: readonly string[]): boolean {
  return listenAddresses.some((addr) => {
    const [first] = multiaddr(addr).getComponents()
    if (first?.name !== 'ip4' || first.value === undefined || !isIPv4(first.value)) return false
    return first.value === '0.0.0.0' || NATED_IPV4.check(first.value, 'ipv4')
  })
}

/**
 * The port mapping service factory for `createLibp2p({ services })`. The UPnP libraries are loaded
 * here, on demand: their SSDP client and XML parser cost ~80 ms of start-up (measured on the 2-core
 * machine), which a node that maps nothing never pays. (Dynamic imports of the packages themselves:
 * the build bundles this package into one file, where a local module's static imports would load
 * at start-up.)
 */
export async function loadPortMapping(
  init: PortMappingInit,
): Promise<(components: UPnPNATComponents) => PortMappingService> {
  const [{ upnpNat }, { uPnPNAT }] = await Promise.all([
    import('@achingbrain/nat-port-mapper'),
    import('@libp2p/upnp-nat'),
  ])
  return (components) => new UpnpPortMapping(components, init, { upnpNat, uPnPNAT })
}

/** How long a mapping is asked for; refreshed a minute before it ends (nat-port-mapper's minimum is 1 h). */
const MAPPING_TTL_MS = 3_600_000
/**
 * While no gateway answered, search again this often (each search: 5 s, an M-SEARCH a second).
 * @libp2p/upnp-nat's default, 5 s, multicasts every second for as long as the node runs on a
 * network without a UPnP router (a datacenter listening on 0.0.0.0); a router is still found at
 * once at start-up, or within 5 minutes of appearing.
 */
const GATEWAY_SEARCH_INTERVAL_MS = 300_000

/**
 * UPnP IGD port mapping through @libp2p/upnp-nat: finds the LAN's Internet Gateway Device (SSDP
 * `M-SEARCH` for IGDv2 on every non-loopback interface, or the given descriptor URLs), asks it to
 * forward each private IPv4 TCP and QUIC listen port, adds the gateway's external address with the
 * mapped port to the node's addresses, and deletes the mappings on stop.
 *
 * The mapped addresses are trusted at once (`autoConfirmAddress`): the gateway said it forwards
 * them, and the AutoNAT confirmation libp2p otherwise waits for needs AutoNAT servers, which are off
 * by default here (`NodeInit.autonat`). go-libp2p's `NATPortMap` announces mapped addresses the
 * same way. What is mapped, refused or removed is logged through `logger` and counted in
 * {@link PortMappingMetrics}.
 */
class UpnpPortMapping implements PortMappingService, Startable {
  private readonly logger: Logger
  private readonly upnp: Startable
  private readonly gateways = new Set<string>()
  /** Current mappings: gateway id + protocol + internal socket -> external socket (multiaddr). */
  private readonly mappings = new Map<string, string>()
  private readonly warnedPrivate = new Set<string>()
  private failures = 0

  /** `libraries`: the UPnP packages, loaded on demand by `loadPortMapping()`. */
  constructor(
    components: UPnPNATComponents,
    init: PortMappingInit,
    libraries: { upnpNat: typeof upnpNat; uPnPNAT: typeof uPnPNAT },
  ) {
    this.logger = init.logger
    const client = this.track(
      libraries.upnpNat({
        description: `@depin/pubsub ${components.peerId.toString()}`,
        ttl: MAPPING_TTL_MS,
        autoRefresh: true,
      }),
    )
    // The factory is typed by its public surface; the service behind it is a libp2p Startable.
    this.upnp = libraries.uPnPNAT({
      portMappingClient: client,
      autoConfirmAddress: true,
      portMappingTTL: MAPPING_TTL_MS,
      initialGatewaySearchInterval: GATEWAY_SEARCH_INTERVAL_MS,
      ...(init.gateways.length > 0 ? { gateways: init.gateways } : {}),
    })(components) as unknown as Startable
  }

  readonly [Symbol.toStringTag] = '@depin/port-mapping'

  async start(): Promise<void> {
    await start(this.upnp)
  }

  async stop(): Promise<void> {
    await stop(this.upnp)
  }

  metrics(): PortMappingMetrics {
    return {
      enabled: true,
      gateways: this.gateways.size,
      mapped: [...new Set(this.mappings.values())],
      failures: this.failures,
    }
  }

  /** The UPnP client with every gateway it yields wrapped, so that mappings are logged and counted. */
  private track(client: UPnPClient): UPnPClient {
    const wrap = (gateway: Gateway): Gateway => this.trackGateway(gateway)
    return {
      async *findGateways(options) {
        for await (const gateway of client.findGateways(options)) yield wrap(gateway)
      },
      getGateway: async (descriptor, options) => wrap(await client.getGateway(descriptor, options)),
    }
  }

  private trackGateway(gateway: Gateway): Gateway {
    const { logger, mappings } = this
    if (!this.gateways.has(gateway.id)) {
      this.gateways.add(gateway.id)
      logger.info('UPnP gateway found', 'gateway', `${gateway.host}:${gateway.port}`, 'id', gateway.id)
    }
    const keyOf = (protocol: string, internalHost: string, internalPort: number): string =>
      `${gateway.id} ${protocol.toLowerCase()} ${internalHost}:${internalPort}`
    const forget = (match: (key: string) => boolean): number => {
      let removed = 0
      for (const key of mappings.keys()) {
        if (match(key)) {
          mappings.delete(key)
          removed++
        }
      }
      return removed
    }
    return {
      get id() {
        return gateway.id
      },
      get host() {
        return gateway.host
      },
      get port() {
        return gateway.port
      },
      get family() {
        return gateway.family
      },
      map: async (
        internalPort: number,
        internalHost: string,
        options?: MapPortOptions,
      ): Promise<PortMapping> => {
        const protocol = options?.protocol?.toLowerCase() === 'udp' ? 'udp' : 'tcp'
        try {
          const mapping = await gateway.map(internalPort, internalHost, options)
          const family = isIPv4(mapping.externalHost) ? 'ip4' : 'ip6'
          const external = `/${family}/${mapping.externalHost}/${protocol}/${mapping.externalPort}`
          mappings.set(keyOf(protocol, internalHost, internalPort), external)
          logger.info(
            'port mapped',
            'protocol',
            protocol,
            'internal',
            `${internalHost}:${internalPort}`,
            'external',
            `${mapping.externalHost}:${mapping.externalPort}`,
            'gateway',
            gateway.host,
          )
          return mapping
        } catch (err) {
          this.failures++
          logger.warn(
            'port mapping failed',
            'protocol',
            protocol,
            'internal',
            `${internalHost}:${internalPort}`,
            'gateway',
            gateway.host,
            'error',
            err,
          )
          throw err
        }
      },
      mapAll: (internalPort, options) => gateway.mapAll(internalPort, options),
      unmap: async (internalPort, options) => {
        await gateway.unmap(internalPort, options)
        forget((key) => key.startsWith(`${gateway.id} `) && key.endsWith(`:${internalPort}`))
      },
      externalIp: async (options) => {
        const ip = await gateway.externalIp(options)
        if (isIPv4(ip) && NATED_IPV4.check(ip, 'ipv4') && !this.warnedPrivate.has(ip)) {
          // @libp2p/upnp-nat refuses to map then (DoubleNATError): say why nothing gets mapped.
          this.warnedPrivate.add(ip)
          logger.warn(
            'UPnP gateway is behind another NAT: its external address is private, ports stay unmapped',
            'gateway',
            gateway.host,
            'externalAddress',
            ip,
          )
        }
        return ip
      },
      stop: async (options) => {
        const held = forget((key) => key.startsWith(`${gateway.id} `))
        // Deletes every mapping on the gateway (patches/@achingbrain__nat-port-mapper@4.0.5.patch:
        // upstream deleted UDP mappings as TCP, so QUIC's stayed on the router).
        await gateway.stop(options)
        if (held > 0) logger.info('port mappings removed', 'gateway', gateway.host, 'mappings', held)
      },
    }
  }
}

/** The metrics of a node that does not map ports (a new object each call). */
export function portMappingOff(): PortMappingMetrics {
  return snapshotOf(PORT_MAPPING_METRICS, createCounts(PORT_MAPPING_METRICS), {
    enabled: false,
    gateways: 0,
    mapped: [],
  })
}
