import { ACCOUNTABILITY_DEFAULTS } from './accountability.js'
import { PEERING_DEFAULTS } from './latency.js'

/** Every default of {@link NodeInit}, in one place. */
export const NODE_DEFAULTS = Object.freeze({
  listenPorts: Object.freeze({ quic: 4001, tcp: 4002 }),
  listenHost: '0.0.0.0',
  transports: Object.freeze({ quic: true, tcp: true }),
  quic: Object.freeze({ maxIdleTimeoutMs: 30_000, keepAliveIntervalMs: 15_000 }),
  connectionMonitor: Object.freeze({ pingIntervalMs: 60_000, pingTimeoutMs: 20_000, maxFailures: 3 }),
  bootstrap: Object.freeze({
    dialTimeoutMs: 30_000,
    listTimeoutMs: 10_000,
    retryInitialDelayMs: 2_000,
    retryIntervalMs: 5_000,
  }),
  connectionLimits: Object.freeze({ low: 32, high: 64, gracePeriodMs: 60_000, inboundPerHostPerSecond: 5 }),
  dht: Object.freeze({ allowPrivateAddresses: true, clientMode: false, lan: true }),
  rendezvous: Object.freeze({
    findIntervalMs: 10_000,
    maxFindIntervalMs: 120_000,
    advertiseIntervalMs: 3_600_000,
    targetPeers: 12,
  }),
  relay: Object.freeze({ server: true, maxReservations: 128 }),
  portMapping: true,
  autonat: Object.freeze({ server: false }),
  nat: Object.freeze({ holePunching: true, confirmations: 2, holePunchRetryMs: 60_000 }),
  pubsubLinks: Object.freeze({ checkIntervalMs: 5_000, graceMs: 15_000 }),
  readiness: Object.freeze({ settleMs: 5_000 }),
  accountability: ACCOUNTABILITY_DEFAULTS,
  peering: PEERING_DEFAULTS,
})
