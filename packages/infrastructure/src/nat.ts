import type { Connection, IdentifyResult, Startable } from '@libp2p/interface'
import { getNetConfig, repeatingTask } from '@libp2p/utils'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { isRelayed } from './address-order.js'
import { HolePunchRetry } from './hole-punch-retry.js'
import type { NatMetrics, NatObserver, NatObserverComponents, NatObserverInit, NatType } from './nat-api.js'
import { type Observation, type ObservationKey, observationKey, parseObserved } from './nat-observations.js'

export type {
  NatMetrics,
  NatObserver,
  NatObserverComponents,
  NatObserverInit,
  NatType,
} from './nat-api.js'
export { NAT_METRICS } from './nat-api.js'

/** Peers whose observations are kept (oldest out first): bounded whatever the network size. */
const MAX_OBSERVERS = 64
/** Confirmed addresses are re-confirmed this often while peers agree (libp2p expires them after 10 min). */
const RECONFIRM_MS = 5 * 60_000

/** What the observer uses of @libp2p/dcutr 3's service: its run as the initiator (the spec's B). */
interface DcutrUpgrade {
  upgradeInbound(relayedConnection: Connection): Promise<void>
}

/**
 * Learns this node's public addresses from what authorized peers observe (identify's
 * `observedAddr`; only authorized peers get past the gater to identify), classifies the NAT, and
 * advertises a TCP address once `confirmations` distinct peers agree on it, so that DCUtR can punch
 * a hole through an endpoint-independent NAT. libp2p itself ignores TCP observed addresses (its
 * dials never come from the listening port, js-libp2p#2620) and verifies others only through
 * AutoNAT, which a NAT defeats. Also counts relayed connections that became direct.
 */
export function natObserver(
  init: NatObserverInit,
): (components: NatObserverComponents) => NatObserver & Startable {
  return (components) => new NatObserverService(components, init)
}

class NatObserverService implements NatObserver, Startable {
  readonly [Symbol.toStringTag] = '@depin/nat-observer'
  private readonly observations = new Map<string, Map<ObservationKey, Observation>>()
  private readonly advertised = new Map<string, Multiaddr>()
  private type: NatType = 'unknown'
  private directUpgrades = 0
  private lastUpgradeMs: number | undefined
  private readonly reconfirm = repeatingTask(() => this.confirmAdvertised(), RECONFIRM_MS)
  private readonly holePunches: HolePunchRetry | undefined
  private readonly holePunchCheck: ReturnType<typeof repeatingTask> | undefined
  private readonly onIdentify = (event: CustomEvent<IdentifyResult>): void => this.observe(event.detail)
  private readonly onConnectionOpen = (event: CustomEvent<Connection>): void =>
    this.connectionOpened(event.detail)
  private readonly onDisconnect = (event: CustomEvent<{ toString(): string }>): void => {
    if (this.observations.delete(event.detail.toString())) this.evaluate()
  }

  constructor(
    private readonly components: NatObserverComponents,
    private readonly init: NatObserverInit,
  ) {
    if (init.holePunchRetryMs > 0) {
      this.holePunches = new HolePunchRetry({
        retryMs: init.holePunchRetryMs,
        connections: () => components.connectionManager.getConnections(),
        upgrade: (connection) => this.dcutr().upgradeInbound(connection),
        logger: init.logger,
      })
      // behind a symmetric NAT no punch can work: not retried
      this.holePunchCheck = repeatingTask(() => {
        if (this.type !== 'symmetric') this.holePunches?.check()
      }, init.holePunchRetryMs)
    }
  }

  start(): void {
    this.components.events.addEventListener('peer:identify', this.onIdentify)
    this.components.events.addEventListener('connection:open', this.onConnectionOpen)
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
    this.reconfirm.start()
    this.holePunchCheck?.start()
  }

  stop(): void {
    this.components.events.removeEventListener('peer:identify', this.onIdentify)
    this.components.events.removeEventListener('connection:open', this.onConnectionOpen)
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    this.reconfirm.stop()
    this.holePunchCheck?.stop()
    this.holePunches?.clear()
    this.observations.clear()
  }

  /** libp2p's DCUtR service (`services.dcutr`), which runs a hole punch on a relayed connection. */
  private dcutr(): DcutrUpgrade {
    const service = this.components.dcutr
    if (typeof (service as Partial<DcutrUpgrade> | undefined)?.upgradeInbound !== 'function')
      throw new Error('no DCUtR service (services.dcutr) to punch holes with')
    return service as DcutrUpgrade
  }

  metrics(): NatMetrics {
    let relayedOnlyPeers = 0
    const direct = new Set<string>()
    const relayed = new Set<string>()
    for (const connection of this.components.connectionManager.getConnections()) {
      const peer = connection.remotePeer.toString()
      if (isRelayed(connection.remoteAddr)) relayed.add(peer)
      else direct.add(peer)
    }
    for (const peer of relayed) if (!direct.has(peer)) relayedOnlyPeers++
    return {
      type: this.type,
      advertised: [...this.advertised.keys()],
      directUpgrades: this.directUpgrades,
      lastUpgradeMs: this.lastUpgradeMs,
      holePunchRetries: this.holePunches?.punches ?? 0,
      relayedOnlyPeers,
    }
  }

  private observe(result: IdentifyResult): void {
    const { connection, observedAddr } = result
    if (observedAddr === undefined || isRelayed(connection.remoteAddr)) return
    const parsed = parseObserved(observedAddr)
    if (parsed === undefined) return
    const key = observationKey(parsed.transport, connection.direction)
    if (key === undefined) return
    const peer = result.peerId.toString()
    let byTransport = this.observations.get(peer)
    if (byTransport === undefined) {
      if (this.observations.size >= MAX_OBSERVERS) {
        const oldest = this.observations.keys().next().value
        if (oldest !== undefined) this.observations.delete(oldest)
      }
      byTransport = new Map()
      this.observations.set(peer, byTransport)
    }
    byTransport.set(key, parsed.observation)
    this.evaluate()
  }

  private connectionOpened(connection: Connection): void {
    if (isRelayed(connection.remoteAddr)) {
      if (this.type === 'symmetric') {
        this.init.logger.info(
          'connection stays relayed: this node is behind a symmetric NAT, no hole can be punched',
          'peer',
          connection.remotePeer.toString(),
        )
      }
      return
    }
    const relayed = this.components.connectionManager
      .getConnections(connection.remotePeer)
      .find((c) => c !== connection && isRelayed(c.remoteAddr) && c.status === 'open')
    if (relayed === undefined) return
    this.directUpgrades++
    this.lastUpgradeMs = Date.now() - relayed.timeline.open
    this.init.logger.info(
      'relayed connection upgraded to direct',
      'peer',
      connection.remotePeer.toString(),
      'via',
      connection.remoteAddr.toString(),
      'afterMs',
      this.lastUpgradeMs,
    )
  }

  /** Reclassifies the NAT and brings the advertised addresses in line with what peers agree on. */
  private evaluate(): void {
    const own = this.ownHosts()
    const enough = this.init.confirmations
    const agreed = new Map<string, { observation: Observation; key: ObservationKey; peers: number }>()
    // the client socket's public ports, by public host: one port per host unless the NAT is symmetric
    const portsByHost = new Map<string, Set<number>>()
    // distinct peers seeing each public host, whatever the transport or port
    const peersByHost = new Map<string, { family: 4 | 6; peers: number }>()
    let sawOwnAddress = false
    for (const byKey of this.observations.values()) {
      const hostsOfPeer = new Set<string>()
      for (const [key, observation] of byKey) {
        if (own.has(observation.host)) sawOwnAddress = true
        const agreement = `${key} ${observation.host} ${observation.port}`
        const entry = agreed.get(agreement)
        if (entry === undefined) agreed.set(agreement, { observation, key, peers: 1 })
        else entry.peers++
        if (!hostsOfPeer.has(observation.host)) {
          hostsOfPeer.add(observation.host)
          const seen = peersByHost.get(observation.host)
          if (seen === undefined) peersByHost.set(observation.host, { family: observation.family, peers: 1 })
          else seen.peers++
        }
        if (key !== 'quic-outbound') continue
        const ports = portsByHost.get(observation.host) ?? new Set<number>()
        ports.add(observation.port)
        portsByHost.set(observation.host, ports)
      }
    }
    const confirmed = [...agreed.values()].filter((entry) => entry.peers >= enough)
    const varyingPorts = [...portsByHost.values()].some((ports) => ports.size >= enough)

    const type: NatType = sawOwnAddress
      ? 'public'
      : confirmed.length > 0
        ? 'endpoint-independent'
        : varyingPorts
          ? 'symmetric'
          : 'unknown'
    if (type !== this.type) this.classified(type, portsByHost)

    const wanted = new Map<string, Multiaddr>()
    const want = (family: 4 | 6, host: string, port: number): void => {
      const addr = multiaddr(`/ip${family}/${host}/tcp/${port}`)
      wanted.set(addr.toString(), addr)
    }
    if (type === 'endpoint-independent') {
      // peers reached us at this TCP address (a forwarded or mapped port)
      for (const { observation, key } of confirmed) {
        if (key === 'tcp-inbound') want(observation.family, observation.host, observation.port)
      }
      if (wanted.size === 0 && this.init.tcpDialsFromListenPort) {
        for (const [host, { family, peers }] of peersByHost) {
          if (peers < enough) continue
          for (const port of this.tcpListenPorts(family)) want(family, host, port)
        }
      }
    }
    for (const [key, addr] of this.advertised) {
      if (wanted.has(key)) continue
      this.advertised.delete(key)
      this.components.addressManager.removeObservedAddr(addr)
      this.init.logger.info('no longer advertising an observed address', 'address', key)
    }
    for (const [key, addr] of wanted) {
      if (this.advertised.has(key)) continue
      this.advertised.set(key, addr)
      this.components.addressManager.addObservedAddr(addr)
      this.components.addressManager.confirmObservedAddr(addr, { type: 'observed' })
      this.init.logger.info('advertising the address peers observe', 'address', key)
      // peers reached only through a relay may have been punched before this address was known
      this.holePunches?.soon()
    }
  }

  private confirmAdvertised(): void {
    for (const addr of this.advertised.values()) {
      this.components.addressManager.confirmObservedAddr(addr, { type: 'observed' })
    }
  }

  private classified(type: NatType, portsByHost: Map<string, Set<number>>): void {
    this.type = type
    if (type === 'symmetric') {
      const ports = [...portsByHost.values()].flatMap((p) => [...p]).slice(0, 6)
      this.init.logger.warn(
        'behind a symmetric NAT: each peer sees this node at another port, so no hole can be punched; peers behind NATs reach it only through relays',
        'observedPorts',
        ports.join(','),
      )
    } else {
      this.init.logger.info('NAT type', 'type', type)
    }
  }

  /** This node's own interface addresses (those its listeners expand to). */
  private ownHosts(): Set<string> {
    const hosts = new Set<string>()
    for (const addr of this.components.transportManager.getAddrs()) {
      try {
        const config = getNetConfig(addr)
        if (config.host !== undefined) hosts.add(config.host)
      } catch {
        // not an IP address (a relay circuit)
      }
    }
    return hosts
  }

  /** Ports of TCP listeners of one family. */
  private tcpListenPorts(family: 4 | 6): Set<number> {
    const ports = new Set<number>()
    for (const addr of this.components.transportManager.getAddrs()) {
      const parsed = parseObserved(addr, true)
      if (parsed?.transport === 'tcp' && parsed.observation.family === family)
        ports.add(parsed.observation.port)
    }
    return ports
  }
}
