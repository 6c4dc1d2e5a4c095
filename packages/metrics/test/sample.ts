import type { FacadeMetrics } from '../src/index.js'

const hooks = [
  'dial-peer',
  'dial-multiaddr',
  'inbound-encrypted',
  'outbound-encrypted',
  'relay-reservation',
  'relay-outbound',
  'relay-inbound',
] as const
const zeroReasons = () => ({
  'not-in-registry': 0,
  'registry-unavailable': 0,
  'invalid-key-type': 0,
  suspended: 0,
})

/** A facade `metrics()` result with distinct, recognisable numbers. */
export function sampleMetrics(): FacadeMetrics {
  const allowed = Object.fromEntries(hooks.map((h) => [h, 0])) as FacadeMetrics['gater']['allowed']
  const denied = Object.fromEntries(hooks.map((h) => [h, zeroReasons()])) as FacadeMetrics['gater']['denied']
  allowed['inbound-encrypted'] = 7
  denied['inbound-encrypted']['not-in-registry'] = 3
  return {
    node: {
      ready: true,
      peers: 4,
      connections: 5,
      databases: 1,
      bootstrapAttempts: 2,
      bootstrapSuccesses: 1,
      bootstrapFailures: 1,
      retryLoopsStarted: 1,
      retryAttempts: 3,
      retryLoopRunning: false,
      timeToFirstReadyMs: 1500,
      lastRecoveryMs: undefined,
      notReadyTransitions: 0,
      dhtMode: 'server',
      rendezvousFinds: 6,
      rendezvousSkips: 4,
      dhtPeersFound: 8,
      rendezvousDials: 2,
      rendezvousAdvertisements: 1,
      pubsubLinkRepairs: 0,
      deadConnectionsClosed: 0,
      usablePeers: 3,
      connectionsRefused: 2,
      accountability: {
        strikes: 11,
        suspensions: 1,
        invalidRelayed: 9,
        unattributable: 1,
        unattributablePenalized: 0,
        penalizedPeers: 1,
      },
    },
    gater: {
      allowed,
      denied,
      allowedTotal: 7,
      deniedTotal: 3,
      cacheSize: 12,
      deniedCacheSize: 2,
      allowListSize: 0,
      refreshes: { ok: 9, failed: 1 },
      registryFailures: { threw: 1, timeout: 0, 'invalid-answer': 0 },
      lastRefreshAt: 1_700_000_000_000,
      registryAvailable: true,
      registryCalls: { refresh: 10, miss: 2 },
      missesRateLimited: 4,
      junkEntries: 0,
      revocations: 1,
      connectionsClosed: 1,
    },
    messaging: {
      topics: 2,
      subscriptions: 3,
      published: 100,
      publishedWithoutPeers: 0,
      accepted: 400,
      delivered: 400,
      rejected: { 'not-json': 1, 'too-large': 2 } as FacadeMetrics['messaging']['rejected'],
      rejectedTotal: 3,
      rejectedRelayed: 2,
      ignored: { 'authorization-unavailable': 0, 'author-suspended': 6 },
      handlerErrors: 0,
      dropped: 0,
      ownEventsSkipped: 5,
      queued: 0,
    },
  }
}
