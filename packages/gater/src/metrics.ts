import {
  counter,
  countsBy,
  field,
  flag,
  gauge,
  metric,
  type Sample,
  type SnapshotOf,
  seconds,
} from '@depin/metrics-schema'
import type { DenyReason, GaterHook } from './decisions.js'
import type { RegistryFailureKind } from './errors.js'
import type { RegistryCallCause } from './gater-api.js'

/**
 * Decisions at libp2p's hooks, by hook and reason: both figures feed one Prometheus counter
 * (`name`), labelled by hook, decision and deny reason.
 */
function decisionFigures(name: string, help: string) {
  const labelNames = ['hook', 'decision', 'reason']
  return {
    /** Admissions, by hook. */
    allowed: metric<Record<GaterHook, number>>({
      name,
      help,
      type: 'counter',
      labelNames,
      samples: (allowed) =>
        Object.entries<number>(allowed).map(([hook, n]): Sample => [{ hook, decision: 'allowed' }, n]),
    }),
    /** Denials, by hook and reason. */
    denied: metric<Record<GaterHook, Record<DenyReason, number>>>({
      name,
      help,
      type: 'counter',
      labelNames,
      samples: (denied) =>
        Object.entries<Record<string, number>>(denied).flatMap(([hook, reasons]) =>
          Object.entries(reasons).map(([reason, n]): Sample => [{ hook, decision: 'denied', reason }, n]),
        ),
    }),
    /** Sum of `allowed`. */
    allowedTotal: field<number>(),
    /** Sum of `denied`. */
    deniedTotal: field<number>(),
  }
}

/** The metrics of a registry gater, declared once (`depin_gater_*`, with a `database` label). */
export const REGISTRY_GATER_METRICS = {
  ...decisionFigures(
    'gater_decisions_total',
    "A database gater's decisions at libp2p's hooks, by hook, decision and deny reason.",
  ),
  /** Authorized wallets in the current set. */
  cacheSize: gauge('gater_authorized_wallets', 'Wallets in the current authorized set.'),
  /** Recently denied wallets remembered. */
  deniedCacheSize: gauge('gater_denied_cache_size', 'Recently denied wallets remembered.'),
  /** Static allow-list entries. */
  allowListSize: gauge('gater_allow_list_size', 'Static allow-list entries.'),
  /** Registry calls that replaced the set (`ok`) or failed and kept the last good set (`failed`). */
  refreshes: countsBy(
    'gater_refreshes_total',
    'Registry refreshes, by result (ok replaced the set; failed kept the last good set).',
    'result',
    ['ok', 'failed'],
  ),
  /** Failed calls by kind. */
  registryFailures: countsBy('gater_registry_failures_total', 'Failed registry calls, by kind.', 'kind', [
    'threw',
    'timeout',
    'invalid-answer',
  ] satisfies RegistryFailureKind[]),
  /** Unix time (ms) of the last successful registry answer; undefined before the first. */
  lastRefreshAt: seconds(
    'gater_last_refresh_timestamp_seconds',
    'Unix time of the last successful registry answer.',
  ),
  /** False before the first successful answer and after a failed call: the set may be stale. */
  registryAvailable: flag(
    'gater_registry_available',
    '0 before the first registry answer and after a failed call (the set may be stale), else 1.',
  ),
  /** Registry calls started, by cause. */
  registryCalls: countsBy('gater_registry_calls_total', 'Registry calls started, by cause.', 'cause', [
    'refresh',
    'miss',
  ] satisfies RegistryCallCause[]),
  /** Misses denied without a registry call because a miss call ran less than `missCallIntervalMs` ago. */
  missesRateLimited: counter(
    'gater_misses_rate_limited_total',
    'Cache misses denied without a registry call (rate limit).',
  ),
  /** Registry entries skipped because they were not wallets. */
  junkEntries: counter('gater_junk_entries_total', 'Registry entries skipped because they were not wallets.'),
  /** Wallets that left the registry. */
  revocations: counter('gater_revocations_total', 'Wallets that left the registry.'),
  /** Connections closed by `attach()` because their peer left the registry. */
  connectionsClosed: counter(
    'gater_connections_closed_total',
    'Connections closed because their peer left the registry.',
  ),
}

/** A plain-object snapshot of a gater's counters. Decisions are those taken at libp2p's hooks. */
export type RegistryGaterMetrics = SnapshotOf<typeof REGISTRY_GATER_METRICS>

/** The metrics of the host's gater group, declared once (`depin_host_gater_*`). */
export const GATER_GROUP_METRICS = {
  ...decisionFigures(
    'host_gater_decisions_total',
    "Connection gater decisions at libp2p's hooks on this host, by hook, decision and deny reason.",
  ),
  /** Member gaters (one per database). */
  members: gauge('host_gater_members', 'Database gaters attached to the host.'),
  /** Connections closed by `attach()` because no member admits their peer any more, or by `suspend()`. */
  connectionsClosed: counter(
    'host_gater_connections_closed_total',
    'Connections closed because no database admits their peer any more, or it was suspended.',
  ),
  /** Peers suspended right now. */
  suspendedPeers: gauge(
    'host_gater_suspended_peers',
    'Peers suspended now (refused although the registry admits them).',
  ),
  /** `suspend()` calls that started or extended a suspension (in the snapshot only). */
  suspensions: field<number>(),
}

/** A plain-object snapshot of a group's counters (decisions at the group's own hooks). */
export type GaterGroupMetrics = SnapshotOf<typeof GATER_GROUP_METRICS>
