import { configErrorClass, DepinError, type DepinErrorOptions, describeConfigIssues } from '@depin/errors'

/**
 * Options of `createRegistryRpc`, `tokenHolders`, `programAccounts` or `watch()` are invalid:
 * `issues` lists every bad field (e.g. `mint`, `endpoints[1]`, `minAmount`), `field` names the first.
 */
export class InvalidSolanaRegistryConfigError extends configErrorClass(
  'INVALID_SOLANA_REGISTRY_CONFIG',
  'InvalidSolanaRegistryConfigError',
  (issues) =>
    `Invalid Solana registry option${issues.length > 1 ? 's' : ''} ${describeConfigIssues(issues, ': ')}`,
) {}

/** How one endpoint failed one call. */
export type RpcAttemptOutcome = 'error' | 'timeout' | 'junk'

/** One failed attempt of a call, as {@link SolanaRpcError} lists it. */
export interface RpcAttemptFailure {
  /** The endpoint's origin (`https://host:port`: never its path or query, which may hold an API key). */
  endpoint: string
  /** How it failed. */
  outcome: RpcAttemptOutcome
  /** What went wrong, in a few words. */
  reason: string
}

/**
 * Every endpoint failed a call (threw, timed out or answered junk). A registry source that had a
 * good answer before keeps it instead; this error reaches the caller only when there never was one,
 * so the gater fails closed.
 */
export class SolanaRpcError extends DepinError<'SOLANA_RPC_FAILED'> {
  override name = 'SolanaRpcError'
  /** The JSON-RPC method that failed. */
  readonly method: string
  /** Every attempt, in the order tried. */
  readonly attempts: readonly RpcAttemptFailure[]
  constructor(method: string, attempts: readonly RpcAttemptFailure[], options: DepinErrorOptions = {}) {
    const list = attempts.map((a) => `${a.endpoint} ${a.outcome} (${a.reason})`).join('; ')
    super(
      'SOLANA_RPC_FAILED',
      `${method} failed on every Solana RPC endpoint: ${list}. Check the endpoints or add another one.`,
      options,
    )
    this.method = method
    this.attempts = attempts
  }
}

declare module '@depin/errors' {
  interface DepinErrorsByCode {
    INVALID_SOLANA_REGISTRY_CONFIG: InvalidSolanaRegistryConfigError
    SOLANA_RPC_FAILED: SolanaRpcError
  }
}
