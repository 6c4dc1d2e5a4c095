import { isIPv4, isIPv6 } from 'node:net'
import { ConfigIssues } from '@depin/errors'
import { describeValue, type WalletIdentity } from '@depin/identity'
import { isLevelEnabled, type Logger, noopLogger } from '@depin/logger'
import type { GossipsubOpts } from '@libp2p/gossipsub'
import type { Libp2pOptions } from 'libp2p'
import type { ResolvedAccountabilityOptions } from './accountability.js'
import type { NodeInit } from './config.js'
import { NODE_DEFAULTS } from './config-defaults.js'
import {
  addressList,
  bool,
  integers,
  metricsFactory,
  nonNegativeInt,
  port,
  portMappingGateways,
  positiveInt,
  resolveAccountability,
  resolvePeering,
} from './config-validate.js'
import { InvalidNodeConfigError } from './errors.js'
import type { ResolvedPeeringOptions } from './latency.js'
import { hasMappableListenAddress } from './port-mapping.js'

/** {@link NodeInit} with every default applied and every field checked: what the node runs with. */
export interface ResolvedNodeInit {
  identity: WalletIdentity
  getBootstrapNodes: NodeInit['getBootstrapNodes']
  logger: Logger
  libp2pLogs: boolean
  listenAddresses: string[]
  announceAddresses: string[]
  transports: { quic: boolean; tcp: boolean }
  quic: { maxIdleTimeoutMs: number; keepAliveIntervalMs: number }
  connectionMonitor: { pingIntervalMs: number; pingTimeoutMs: number; maxFailures: number }
  bootstrap: {
    dialTimeoutMs: number
    listTimeoutMs: number
    retryInitialDelayMs: number
    retryIntervalMs: number
  }
  connectionLimits: { low: number; high: number; gracePeriodMs: number; inboundPerHostPerSecond: number }
  dht: { allowPrivateAddresses: boolean; clientMode: boolean; lan: boolean }
  rendezvous: {
    findIntervalMs: number
    maxFindIntervalMs: number
    advertiseIntervalMs: number
    targetPeers: number
  }
  relay: { server: boolean; maxReservations: number }
  /** `enabled`: asked for and a listen address can be mapped (see {@link NodeInit.portMapping}). */
  portMapping: { enabled: boolean; gateways: string[] }
  gossipsub: Partial<GossipsubOpts>
  metrics: Libp2pOptions['metrics'] | undefined
  autonat: { server: boolean }
  nat: { holePunching: boolean; confirmations: number; holePunchRetryMs: number }
  pubsubLinks: { checkIntervalMs: number; graceMs: number }
  readiness: { settleMs: number }
  accountability: ResolvedAccountabilityOptions
  peering: ResolvedPeeringOptions
}

/**
 * Applies the defaults of {@link NODE_DEFAULTS} and checks every field; throws one
 * {@link InvalidNodeConfigError} whose `issues` name every bad field (`field` is the first).
 */
export function resolveNodeInit(init: NodeInit): ResolvedNodeInit {
  if (init === null || typeof init !== 'object') throw new InvalidNodeConfigError('init', 'must be an object')
  const d = NODE_DEFAULTS
  const issues = new ConfigIssues()
  const { identity } = init
  if (
    identity === null ||
    typeof identity !== 'object' ||
    identity.privateKey === undefined ||
    identity.peerId === undefined ||
    typeof identity.wallet !== 'string'
  ) {
    issues.add('identity', 'must be a WalletIdentity from parseSecretKey()')
  }
  if (typeof init.getBootstrapNodes !== 'function') {
    issues.add('getBootstrapNodes', 'must be a function ({ signal }) => Promise<BootstrapNode[]>')
  }
  const transports = {
    quic: bool(issues, init.transports?.quic, d.transports.quic, 'transports.quic'),
    tcp: bool(issues, init.transports?.tcp, d.transports.tcp, 'transports.tcp'),
  }
  if (!transports.quic && !transports.tcp) {
    issues.add('transports', 'disables both QUIC and TCP; enable at least one')
  }
  const listenAddresses = resolveListenAddresses(issues, init, transports)
  const announceAddresses = addressList(issues, init.announceAddresses ?? [], 'announceAddresses')

  const connectionLimits = integers(issues, 'connectionLimits', init.connectionLimits, d.connectionLimits, {
    low: 1,
    high: 1,
    gracePeriodMs: 0,
    inboundPerHostPerSecond: 1,
  })
  const { low, high } = connectionLimits
  if (!issues.has('connectionLimits') && low > high) {
    issues.add('connectionLimits.low', `(${low}) must not exceed connectionLimits.high (${high})`)
  }
  const quic = integers(issues, 'quic', init.quic, d.quic, { maxIdleTimeoutMs: 1, keepAliveIntervalMs: 1 })
  if (!issues.has('quic') && quic.keepAliveIntervalMs >= quic.maxIdleTimeoutMs) {
    issues.add(
      'quic.keepAliveIntervalMs',
      `(${quic.keepAliveIntervalMs}) must be below quic.maxIdleTimeoutMs (${quic.maxIdleTimeoutMs})`,
    )
  }
  const rendezvous = resolveRendezvous(issues, init.rendezvous)
  const logger = init.logger ?? noopLogger
  const debugLogger = logger.isLevelEnabled !== undefined && isLevelEnabled(logger, 'debug')
  const gateways = portMappingGateways(
    issues,
    init.portMapping === undefined ? d.portMapping : init.portMapping,
  )
  const resolved: ResolvedNodeInit = {
    identity,
    getBootstrapNodes: init.getBootstrapNodes,
    logger,
    libp2pLogs: bool(issues, init.libp2pLogs, debugLogger, 'libp2pLogs'),
    listenAddresses,
    announceAddresses,
    transports,
    quic,
    connectionMonitor: integers(issues, 'connectionMonitor', init.connectionMonitor, d.connectionMonitor, {
      pingIntervalMs: 0,
      pingTimeoutMs: 1,
      maxFailures: 1,
    }),
    bootstrap: integers(issues, 'bootstrap', init.bootstrap, d.bootstrap, {
      dialTimeoutMs: 1,
      listTimeoutMs: 1,
      retryInitialDelayMs: 0,
      retryIntervalMs: 1,
    }),
    connectionLimits,
    dht: {
      allowPrivateAddresses: bool(
        issues,
        init.dht?.allowPrivateAddresses,
        d.dht.allowPrivateAddresses,
        'dht.allowPrivateAddresses',
      ),
      clientMode: bool(issues, init.dht?.clientMode, d.dht.clientMode, 'dht.clientMode'),
      lan: bool(issues, init.dht?.lan, d.dht.lan, 'dht.lan'),
    },
    rendezvous,
    relay: {
      server: bool(issues, init.relay?.server, d.relay.server, 'relay.server'),
      maxReservations: positiveInt(
        issues,
        init.relay?.maxReservations,
        d.relay.maxReservations,
        'relay.maxReservations',
      ),
    },
    // Announced addresses replace every other address libp2p would announce, mapped ones included.
    portMapping: {
      enabled:
        gateways !== undefined && announceAddresses.length === 0 && hasMappableListenAddress(listenAddresses),
      gateways: gateways ?? [],
    },
    gossipsub: init.gossipsub ?? {},
    metrics: metricsFactory(issues, init.metrics),
    autonat: { server: bool(issues, init.autonat?.server, d.autonat.server, 'autonat.server') },
    nat: {
      holePunching: bool(issues, init.nat?.holePunching, d.nat.holePunching, 'nat.holePunching'),
      confirmations: positiveInt(issues, init.nat?.confirmations, d.nat.confirmations, 'nat.confirmations'),
      holePunchRetryMs: nonNegativeInt(
        issues,
        init.nat?.holePunchRetryMs,
        d.nat.holePunchRetryMs,
        'nat.holePunchRetryMs',
      ),
    },
    pubsubLinks: integers(issues, 'pubsubLinks', init.pubsubLinks, d.pubsubLinks, {
      checkIntervalMs: 0,
      graceMs: 0,
    }),
    readiness: integers(issues, 'readiness', init.readiness, d.readiness, { settleMs: 0 }),
    accountability: resolveAccountability(issues, init.accountability),
    peering: resolvePeering(issues, init.peering),
  }
  issues.throwIfAny((list) => new InvalidNodeConfigError(list))
  return resolved
}

/** `listenAddresses` as given, or built from `listenHost`, `listenPorts` and the transports. */
function resolveListenAddresses(
  issues: ConfigIssues,
  init: NodeInit,
  transports: ResolvedNodeInit['transports'],
): string[] {
  const d = NODE_DEFAULTS
  const quicPort = port(issues, init.listenPorts?.quic, d.listenPorts.quic, 'listenPorts.quic')
  const tcpPort = port(issues, init.listenPorts?.tcp, d.listenPorts.tcp, 'listenPorts.tcp')
  const host: unknown = init.listenHost ?? d.listenHost
  const family =
    typeof host !== 'string' ? undefined : isIPv4(host) ? 'ip4' : isIPv6(host) ? 'ip6' : undefined
  if (family === undefined) {
    issues.add('listenHost', `must be an IPv4 or IPv6 address, got ${describeValue(host)}`)
  }
  if (init.listenAddresses !== undefined) return addressList(issues, init.listenAddresses, 'listenAddresses')
  const addresses: string[] = []
  if (family === undefined) return addresses
  if (transports.quic) addresses.push(`/${family}/${host}/udp/${quicPort}/quic-v1`)
  if (transports.tcp) addresses.push(`/${family}/${host}/tcp/${tcpPort}`)
  return addresses
}

function resolveRendezvous(
  issues: ConfigIssues,
  init: NodeInit['rendezvous'],
): ResolvedNodeInit['rendezvous'] {
  const d = NODE_DEFAULTS.rendezvous
  const { findIntervalMs, advertiseIntervalMs, targetPeers } = integers(issues, 'rendezvous', init, d, {
    findIntervalMs: 1,
    advertiseIntervalMs: 1,
    targetPeers: 1,
  })
  const field = 'rendezvous.maxFindIntervalMs'
  const maxFindIntervalMs = positiveInt(
    issues,
    init?.maxFindIntervalMs,
    Math.max(d.maxFindIntervalMs, findIntervalMs),
    field,
  )
  if (!issues.has(field) && !issues.has('rendezvous.findIntervalMs') && maxFindIntervalMs < findIntervalMs) {
    issues.add(
      field,
      `(${maxFindIntervalMs}) must not be below rendezvous.findIntervalMs (${findIntervalMs})`,
    )
  }
  return { findIntervalMs, maxFindIntervalMs, advertiseIntervalMs, targetPeers }
}
