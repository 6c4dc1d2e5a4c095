export type { AttachableNode } from './close-connections.js'
export { GATER_DEFAULTS, type RegistryGaterInit } from './config.js'
export {
  DENY_REASONS,
  type DecisionCounts,
  type DenyReason,
  GATER_HOOKS,
  type GaterDecision,
  type GaterHook,
  type PeerDeniedDetail,
} from './decisions.js'
export { InvalidGaterConfigError, RegistryCallError, type RegistryFailureKind } from './errors.js'
export {
  createRegistryGater,
  type RefreshDetail,
  type RegistryCallCause,
  type RegistryGater,
  type RegistryGaterEvents,
  type RegistryGaterMetrics,
  type WalletRevokedDetail,
} from './gater.js'
export {
  createGaterGroup,
  GATER_GROUP_DEFAULTS,
  type GaterGroup,
  type GaterGroupEvents,
  type GaterGroupInit,
  type GaterGroupMetrics,
} from './group.js'
