import { ConfigIssues } from '@depin/errors'
import { type Logger, noopLogger } from '@depin/logger'
import { checkOptionalInteger, checkUrl, endpointLabel } from './config-checks.js'
import { InvalidSolanaRegistryConfigError, type RpcAttemptFailure, SolanaRpcError } from './errors.js'
import { type RpcCallCounts, type RpcOutcome, zeroOutcomes } from './metrics.js'
import { type ProgramAccount, parseMultipleAccounts, parseProgramAccounts } from './rpc-answer.js'

/** The commitment levels a call may ask for. */
export type Commitment = 'processed' | 'confirmed' | 'finalized'

/** A `getProgramAccounts` filter: bytes (base58) at an offset of the account data, or the data's exact size. */
export type ProgramAccountsFilter = { memcmp: { offset: number; bytes: string } } | { dataSize: number }

/** Options of {@link createRegistryRpc}. */
export interface RegistryRpcInit {
  /** JSON-RPC endpoints (`http:` or `https:`), tried in turn: the next one on error, timeout or junk. */
  endpoints: readonly string[]
  /** Time one endpoint has to answer one call. @default 5000 */
  timeoutMs?: number
  /** Commitment passed to every call. @default 'confirmed' */
  commitment?: Commitment
  /** Where logs go (endpoints are named by origin only: a path or query may hold an API key). @default noopLogger */
  logger?: Logger
  /** The clock, in Unix milliseconds. @default Date.now */
  now?: () => number
  /**
   * Read program accounts in pages, for endpoints that refuse or time out on a large
   * `getProgramAccounts`: first the matching addresses alone (`dataSlice` of length 0), then their
   * data with `getMultipleAccounts`, `pageSize` accounts per call (at most 100, the RPC's limit),
   * each call with its own timeout and failover. @default undefined (one `getProgramAccounts`)
   */
  pageSize?: number
}

/** Defaults of {@link RegistryRpcInit}. */
export const REGISTRY_RPC_DEFAULTS = Object.freeze({
  timeoutMs: 5_000,
  commitment: 'confirmed' as Commitment,
})

/** A Solana JSON-RPC client over several endpoints, with failover, per-call timeouts and answer checks. */
export interface RegistryRpc {
  /** The commitment passed to every call. */
  readonly commitment: Commitment
  /** The logger given at creation. */
  readonly logger: Logger
  /** The clock given at creation. */
  readonly now: () => number
  /**
   * The accounts a program owns that match every filter. Tries each endpoint in turn (the last one
   * that answered well first); rejects with {@link SolanaRpcError} when all fail, or with the
   * signal's reason when `signal` aborts.
   */
  getProgramAccounts(
    programId: string,
    options: { filters?: readonly ProgramAccountsFilter[]; signal?: AbortSignal },
  ): Promise<ProgramAccount[]>
  /** Calls by endpoint (origin) and outcome since creation. */
  callCounts(): RpcCallCounts
}

/** `getMultipleAccounts` takes at most this many addresses. */
const MAX_PAGE_SIZE = 100

/** Why an attempt failed, with how. */
class AttemptFailure extends Error {
  constructor(
    readonly outcome: 'error' | 'junk',
    reason: string,
  ) {
    super(reason)
  }
}

/**
 * A Solana JSON-RPC client for registry reads, shared by any number of registry sources.
 * Throws {@link InvalidSolanaRegistryConfigError} listing every bad option.
 *
 * @example
 * const rpc = createRegistryRpc({ endpoints: ['https://rpc-a.example', 'https://rpc-b.example'], timeoutMs: 3_000 })
 */
export function createRegistryRpc(init: RegistryRpcInit): RegistryRpc {
  const issues = new ConfigIssues()
  if (!Array.isArray(init?.endpoints) || init.endpoints.length === 0) {
    issues.add('endpoints', 'must list at least one http(s) URL')
  } else {
    for (const [i, url] of init.endpoints.entries())
      checkUrl(issues, `endpoints[${i}]`, url, ['http:', 'https:'])
  }
  checkOptionalInteger(issues, 'timeoutMs', init?.timeoutMs, 1, 600_000)
  checkOptionalInteger(issues, 'pageSize', init?.pageSize, 1, MAX_PAGE_SIZE)
  if (init?.commitment !== undefined && !['processed', 'confirmed', 'finalized'].includes(init.commitment)) {
    issues.add('commitment', "must be 'processed', 'confirmed' or 'finalized'")
  }
  issues.throwIfAny((list) => new InvalidSolanaRegistryConfigError(list))

  const endpoints = [...init.endpoints]
  // Two endpoints of one origin (e.g. two API keys on one provider) stay apart in metrics.
  const labels = endpoints.map((url, i, all) => {
    const label = endpointLabel(url)
    return all.slice(0, i).some((other) => endpointLabel(other) === label) ? `${label}#${i}` : label
  })
  const timeoutMs = init.timeoutMs ?? REGISTRY_RPC_DEFAULTS.timeoutMs
  const commitment = init.commitment ?? REGISTRY_RPC_DEFAULTS.commitment
  const logger = init.logger ?? noopLogger
  const counts: RpcCallCounts = Object.fromEntries(labels.map((label) => [label, zeroOutcomes()]))
  let preferred = 0
  const failing = new Set<number>()
  let nextId = 1

  async function post(url: string, body: string, signal: AbortSignal): Promise<unknown> {
    let response: Response
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
        signal,
      })
    } catch (err) {
      if (signal.aborted) throw err
      throw new AttemptFailure('error', `request failed: ${(err as Error)?.message ?? String(err)}`)
    }
    if (!response.ok) throw new AttemptFailure('error', `HTTP ${response.status}`)
    let json: unknown
    try {
      json = await response.json()
    } catch (err) {
      if (signal.aborted) throw err
      throw new AttemptFailure('junk', 'answer is not JSON')
    }
    if (typeof json !== 'object' || json === null) throw new AttemptFailure('junk', 'answer is not an object')
    const { error, result } = json as { error?: unknown; result?: unknown }
    if (error !== undefined && error !== null) {
      const message = (error as { message?: unknown }).message
      throw new AttemptFailure(
        'error',
        `JSON-RPC error: ${typeof message === 'string' ? message.slice(0, 200) : 'unknown'}`,
      )
    }
    if (!('result' in json)) throw new AttemptFailure('junk', 'answer has no result')
    return result
  }

  async function call<T>(
    method: string,
    params: unknown[],
    parse: (result: unknown) => T | string,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    signal?.throwIfAborted()
    const failures: RpcAttemptFailure[] = []
    const order = endpoints.map((_, i) => (preferred + i) % endpoints.length)
    for (const index of order) {
      const label = labels[index] as string
      const endpointCounts = counts[label] as Record<RpcOutcome, number>
      const timeout = AbortSignal.timeout(timeoutMs)
      const attemptSignal = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
      const body = JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params })
      try {
        const parsed = parse(await post(endpoints[index] as string, body, attemptSignal))
        if (typeof parsed === 'string') throw new AttemptFailure('junk', parsed)
        endpointCounts.ok++
        if (failing.delete(index)) logger.info('solana rpc endpoint answers again', 'endpoint', label)
        preferred = index
        return parsed
      } catch (err) {
        if (signal?.aborted) throw signal.reason
        const failure: RpcAttemptFailure =
          err instanceof AttemptFailure
            ? { endpoint: label, outcome: err.outcome, reason: err.message }
            : timeout.aborted
              ? { endpoint: label, outcome: 'timeout', reason: `no answer within ${timeoutMs} ms` }
              : { endpoint: label, outcome: 'error', reason: (err as Error)?.message ?? String(err) }
        endpointCounts[failure.outcome]++
        failures.push(failure)
        // warn when an endpoint starts failing, then debug until it answers again
        const log = failing.has(index) ? logger.debug : logger.warn
        failing.add(index)
        log.call(
          logger,
          'solana rpc call failed',
          'method',
          method,
          'endpoint',
          label,
          'outcome',
          failure.outcome,
          'reason',
          failure.reason,
        )
      }
    }
    throw new SolanaRpcError(method, failures)
  }

  return {
    commitment,
    logger,
    now: init.now ?? Date.now,
    async getProgramAccounts(programId, options) {
      const config: Record<string, unknown> = { commitment, encoding: 'base64' }
      if (options.filters !== undefined && options.filters.length > 0) {
        config.filters = options.filters.map((filter) =>
          'memcmp' in filter ? { memcmp: { ...filter.memcmp, encoding: 'base58' } } : filter,
        )
      }
      if (init.pageSize === undefined) {
        return call('getProgramAccounts', [programId, config], parseProgramAccounts, options.signal)
      }
      // Paged: the addresses alone, then their data a page at a time.
      const listed = await call(
        'getProgramAccounts',
        [programId, { ...config, dataSlice: { offset: 0, length: 0 } }],
        parseProgramAccounts,
        options.signal,
      )
      const accounts: ProgramAccount[] = []
      for (let start = 0; start < listed.length; start += init.pageSize) {
        const page = listed.slice(start, start + init.pageSize).map((account) => account.address)
        const params = [page, { commitment, encoding: 'base64' }]
        accounts.push(
          ...(await call(
            'getMultipleAccounts',
            params,
            parseMultipleAccounts(page, programId),
            options.signal,
          )),
        )
      }
      return accounts
    },
    callCounts() {
      return Object.fromEntries(Object.entries(counts).map(([label, c]) => [label, { ...c }]))
    },
  }
}
