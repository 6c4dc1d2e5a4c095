import {
  counter,
  countsBy,
  field,
  gauge,
  metric,
  oneHot,
  type Sample,
  type SnapshotOf,
  seconds,
} from '@depin/metrics-schema'

/** How one endpoint answered one call: `ok`, or failed by error, timeout or junk answer. */
export type RpcOutcome = 'ok' | 'error' | 'timeout' | 'junk'

/** Every {@link RpcOutcome}. */
export const RPC_OUTCOMES: readonly RpcOutcome[] = ['ok', 'error', 'timeout', 'junk']

/** Calls by endpoint (its origin) and outcome. */
export type RpcCallCounts = Record<string, Record<RpcOutcome, number>>

/** Every outcome at 0. */
export function zeroOutcomes(): Record<RpcOutcome, number> {
  return { ok: 0, error: 0, timeout: 0, junk: 0 }
}

/** The state of a `watch()`: `off` (none), `connecting`, `subscribed`, or `polling` while the subscription is down. */
export type SubscriptionState = 'off' | 'connecting' | 'subscribed' | 'polling'

/** Every {@link SubscriptionState}. */
export const SUBSCRIPTION_STATES: readonly SubscriptionState[] = [
  'off',
  'connecting',
  'subscribed',
  'polling',
]

/** The metrics of a registry source, declared once (`depin_solana_registry_*`). */
export const REGISTRY_SOURCE_METRICS = {
  /** RPC calls by endpoint (origin) and outcome; shared by the sources of one `RegistryRpc`. */
  rpcCalls: metric<RpcCallCounts>({
    name: 'solana_registry_rpc_calls_total',
    help: 'Solana RPC calls, by endpoint (origin) and outcome (ok, error, timeout, junk).',
    type: 'counter',
    labelNames: ['endpoint', 'outcome'],
    samples: (calls) =>
      Object.entries(calls).flatMap(([endpoint, outcomes]) =>
        Object.entries(outcomes).map(([outcome, n]): Sample => [{ endpoint, outcome }, n]),
      ),
  }),
  /** Reads of this source by result: `fresh` (an endpoint answered), `stale` (all failed, last good answer kept), `failed` (all failed, none kept). */
  reads: countsBy(
    'solana_registry_reads_total',
    'Registry reads, by result (fresh; stale: every endpoint failed and the last good answer was kept; failed).',
    'result',
    ['fresh', 'stale', 'failed'],
  ),
  /** Accounts in the last good answer. */
  accounts: gauge('solana_registry_accounts', 'Accounts in the last good RPC answer.'),
  /** Wallets in the last good answer. */
  wallets: gauge('solana_registry_wallets', 'Authorized wallets in the last good answer.'),
  /** Accounts skipped: not a token account, a decode that threw or returned junk. */
  junkAccounts: counter(
    'solana_registry_junk_accounts_total',
    'Accounts skipped because they did not decode into a wallet or a bootstrap node.',
  ),
  /** Unix time (ms) of the last good answer; undefined before the first. */
  lastSuccessAt: seconds(
    'solana_registry_last_success_timestamp_seconds',
    'Unix time of the last good registry answer.',
  ),
  /** Milliseconds since the last good answer; undefined before the first (Prometheus computes it from the timestamp). */
  lastSuccessAgeMs: field<number | undefined>(),
  /** The state of the `watch()` subscription. */
  subscription: oneHot(
    'solana_registry_subscription_state',
    'State of the registry watch: off, connecting, subscribed, or polling while the subscription is down.',
    'state',
    SUBSCRIPTION_STATES,
  ),
  /** Subscription notifications received. */
  notifications: counter('solana_registry_notifications_total', 'Account change notifications received.'),
  /** Subscriptions that dropped (then polling until resubscribed). */
  subscriptionDrops: counter(
    'solana_registry_subscription_drops_total',
    'Registry subscriptions that dropped.',
  ),
  /** `onChange` calls made by `watch()`, from a notification or a change seen by polling. */
  changes: countsBy(
    'solana_registry_changes_total',
    'Registry changes pushed to onChange, by source.',
    'source',
    ['notification', 'poll', 'resubscribed'],
  ),
}

/** A plain-object snapshot of a registry source's metrics. */
export type RegistrySourceMetrics = SnapshotOf<typeof REGISTRY_SOURCE_METRICS>
