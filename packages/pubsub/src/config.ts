import type { BootstrapNode, SecretKeyInput, WalletInput } from '@depin/identity'
import type { NodeInit } from '@depin/infrastructure'
import type { Logger } from '@depin/logger'
import type { MessagingOptions } from '@depin/messaging'

/**
 * Advanced settings of the shared node (transports, bootstrap timings, DHT, relay, GossipSub): the
 * `NodeInit` of @depin/infrastructure without the fields that {@link DatabaseConfig} sets itself.
 */
export type NodeOptions = Omit<
  NodeInit,
  'identity' | 'getBootstrapNodes' | 'logger' | 'listenPorts' | 'listenHost' | 'announceAddresses'
>

/**
 * The configuration of {@link connect}: the database, the wallet and the registry, plus the
 * messaging options. Each default is written once, by the package that owns the field; check a
 * configuration without connecting with {@link validateDatabaseConfig}.
 */
export interface DatabaseConfig extends MessagingOptions {
  /** The Solana secret key: base58 of its 64 bytes, or solana-keygen's JSON byte array. Never logged. */
  walletPrivateKey: SecretKeyInput
  /** Namespace of topics (`<databaseName>_<topic>`) and of discovery. */
  databaseName: string
  /** Reads the on-chain registry: the wallets (base58) allowed in this database. */
  getAuthorizedWallets: (options: { signal: AbortSignal }) => Promise<Iterable<WalletInput>>
  /** Reads the bootstrap nodes from the registry. */
  getBootstrapNodes: (options: { signal: AbortSignal }) => Promise<BootstrapNode[]>
  /** Where logs go. @default noopLogger */
  logger?: Logger
  /** Ports to listen on; 0 picks a free port. @default { quic: 4001, tcp: 4002 } (from @depin/infrastructure) */
  listenPorts?: { quic?: number; tcp?: number }
  /** Address to listen on, e.g. '127.0.0.1'. @default '0.0.0.0' (from @depin/infrastructure) */
  listenHost?: string
  /** Multiaddrs to announce (a node behind NAT with a known public address). */
  announceAddresses?: string[]
  /** Registry refresh interval. @default 30_000 (from @depin/gater) */
  refreshIntervalMs?: number
  /**
   * Pushes registry changes instead of waiting for the next refresh, e.g. @depin/solana-registry's
   * `watch()` on an RPC WebSocket. Called once when the database is connected; the watcher calls
   * `onChange` whenever the registry may have changed, and each call makes the gater read
   * `getAuthorizedWallets` at once (one read at a time, plus one more when a change arrives during
   * it), so a revoked wallet is disconnected within seconds rather than one `refreshIntervalMs`.
   * `signal` aborts on `disconnect()`. The refresh interval keeps running as the fallback.
   *
   * @example
   * watchRegistry: ({ onChange, signal }) => registry.watch({ wsEndpoint, onChange, signal })
   */
  watchRegistry?: (options: { onChange: () => void; signal: AbortSignal }) => void
  /**
   * Advanced node settings, checked by @depin/infrastructure. They apply only when this call
   * creates the process's node for the wallet; a node already running keeps its settings.
   */
  node?: NodeOptions
  /**
   * Serves Prometheus `/metrics` and `/healthz` (200 when ready, 503 when not) over HTTP for this
   * database, with libp2p's own metrics when this call creates the node. @default undefined (off)
   */
  metricsServer?: MetricsServerOptions
}

/** Where {@link connect} serves `/metrics` and `/healthz`. */
export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one (read it from `db.metricsUrl`). */
  port: number
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string
  /**
   * Also serve Node.js process metrics (`process_*`, `nodejs_*`: CPU, memory, event loop lag, GC).
   * Turn off for all but one node when several run in one process: each would report the same
   * process, and each would keep its own event loop monitor (a timer every 10 ms). @default true
   */
  processMetrics?: boolean
}
