export {
  InvalidSolanaRegistryConfigError,
  type RpcAttemptFailure,
  type RpcAttemptOutcome,
  SolanaRpcError,
} from './errors.js'
export {
  REGISTRY_SOURCE_METRICS,
  type RegistrySourceMetrics,
  RPC_OUTCOMES,
  type RpcCallCounts,
  type RpcOutcome,
  SUBSCRIPTION_STATES,
  type SubscriptionState,
} from './metrics.js'
export { type DecodedAccount, type ProgramAccountsInit, programAccounts } from './program-accounts.js'
export {
  type Commitment,
  createRegistryRpc,
  type ProgramAccountsFilter,
  REGISTRY_RPC_DEFAULTS,
  type RegistryRpc,
  type RegistryRpcInit,
} from './rpc.js'
export type { ProgramAccount } from './rpc-answer.js'
export type { RegistrySource } from './source.js'
export {
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  type TokenHoldersInit,
  tokenHolders,
} from './token-holders.js'
export { WATCH_DEFAULTS, type WatchOptions } from './watch.js'
