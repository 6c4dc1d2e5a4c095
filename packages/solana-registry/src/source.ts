import { isDepinError } from '@depin/errors'
import type { BootstrapNode } from '@depin/identity'
import { createCounts, snapshotOf } from '@depin/metrics-schema'
import { REGISTRY_SOURCE_METRICS, type RegistrySourceMetrics, type SubscriptionState } from './metrics.js'
import type { ProgramAccountsFilter, RegistryRpc } from './rpc.js'
import { startWatch, type WatchOptions } from './watch.js'

/** What a registry source hands to `connect()`: its two reads, a watch for fast revocation, and its metrics. */
export interface RegistrySource {
  /**
   * The authorized wallets (base58), for `DatabaseConfig.getAuthorizedWallets`. When every endpoint
   * fails, the last good answer; when there never was one, rejects with `SolanaRpcError` (the gater
   * then fails closed). Rejects with the signal's reason when it aborts.
   */
  getAuthorizedWallets(options?: { signal?: AbortSignal }): Promise<string[]>
  /** The bootstrap nodes, for `DatabaseConfig.getBootstrapNodes`; same failure rules. */
  getBootstrapNodes(options?: { signal?: AbortSignal }): Promise<BootstrapNode[]>
  /**
   * Calls `onChange` (debounced) when the on-chain set may have changed: a `programSubscribe`
   * notification, or a change seen by polling while the subscription is down (it resubscribes with
   * backoff). Returns the function that stops it; `signal` stops it too.
   *
   * @example
   * watchRegistry: ({ onChange, signal }) => { registry.watch({ wsEndpoint: 'wss://rpc.example', onChange, signal }) }
   */
  watch(options: WatchOptions): () => void
  /** Calls by endpoint and outcome, answer size, last success, junk, subscription state. */
  metrics(): RegistrySourceMetrics
}

/** One decoded registry answer. */
export interface RegistrySnapshot {
  wallets: string[]
  bootstrap: BootstrapNode[]
  /** Accounts in the RPC answer. */
  accounts: number
  /** Accounts skipped as junk. */
  junk: number
}

/** What a registry kind provides to {@link createRegistrySource}. */
export interface RegistryKind {
  /** What logs call it (`token holders`, `program accounts`). */
  kind: string
  /** The program whose accounts hold the registry, and the filters that select them. */
  programId: string
  filters: readonly ProgramAccountsFilter[]
  /** Reads and decodes a fresh answer (rejects when every endpoint fails). */
  read(signal: AbortSignal | undefined): Promise<RegistrySnapshot>
  /** Bootstrap nodes when the kind does not read them from chain. */
  staticBootstrap?: BootstrapNode[]
}

/** The string `watch()` compares while polling: equal snapshots, equal fingerprints. */
export function fingerprintOf(snapshot: RegistrySnapshot): string {
  const bootstrap = snapshot.bootstrap.map((node) =>
    JSON.stringify([String(node.publicKey), node.ip, node.quicPort, node.tcpPort]),
  )
  return JSON.stringify([[...snapshot.wallets].sort(), bootstrap.sort()])
}

/** A {@link RegistrySource} over one registry kind: last good answer, metrics, watch. */
export function createRegistrySource(rpc: RegistryRpc, kind: RegistryKind): RegistrySource {
  const counts = createCounts(REGISTRY_SOURCE_METRICS)
  let lastGood: RegistrySnapshot | undefined
  let lastSuccessAt: number | undefined
  let subscription: SubscriptionState = 'off'
  let stale = false

  async function fresh(signal: AbortSignal | undefined): Promise<RegistrySnapshot> {
    const snapshot = await kind.read(signal)
    counts.junkAccounts += snapshot.junk
    lastGood = snapshot
    if (stale)
      rpc.logger.info('solana registry answers again', 'kind', kind.kind, 'wallets', snapshot.wallets.length)
    stale = false
    lastSuccessAt = rpc.now()
    counts.reads.fresh++
    return snapshot
  }

  async function load(signal: AbortSignal | undefined): Promise<RegistrySnapshot> {
    try {
      return await fresh(signal)
    } catch (err) {
      if (signal?.aborted) throw err
      if (lastGood !== undefined && isDepinError(err, 'SOLANA_RPC_FAILED')) {
        counts.reads.stale++
        const log = stale ? rpc.logger.debug : rpc.logger.warn
        stale = true
        log.call(
          rpc.logger,
          'solana registry keeps its last good answer',
          'kind',
          kind.kind,
          'wallets',
          lastGood.wallets.length,
          'age_ms',
          rpc.now() - (lastSuccessAt ?? 0),
        )
        return lastGood
      }
      counts.reads.failed++
      throw err
    }
  }

  return {
    async getAuthorizedWallets(options) {
      return [...(await load(options?.signal)).wallets]
    },
    async getBootstrapNodes(options) {
      if (kind.staticBootstrap !== undefined) return [...kind.staticBootstrap]
      return [...(await load(options?.signal)).bootstrap]
    },
    watch(options) {
      return startWatch(options, {
        rpc,
        programId: kind.programId,
        filters: kind.filters,
        poll: async (signal) => fingerprintOf(await fresh(signal)),
        baseline: () => (lastGood === undefined ? undefined : fingerprintOf(lastGood)),
        setState: (state) => {
          subscription = state
        },
        counts,
      })
    },
    metrics() {
      return snapshotOf(REGISTRY_SOURCE_METRICS, counts, {
        rpcCalls: rpc.callCounts(),
        accounts: lastGood?.accounts ?? 0,
        wallets: lastGood?.wallets.length ?? 0,
        lastSuccessAt,
        lastSuccessAgeMs: lastSuccessAt === undefined ? undefined : rpc.now() - lastSuccessAt,
        subscription,
      })
    },
  }
}
