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
export { createRegistryGater } from './gater.js'
export type {
  RefreshDetail,
  RegistryCallCause,
  RegistryGater,
  RegistryGaterEvents,
  WalletRevokedDetail,
} from './gater-api.js'
export {
  createGaterGroup,
  GATER_GROUP_DEFAULTS,
  type GaterGroup,
  type GaterGroupEvents,
  type GaterGroupInit,
} from './group.js'
export {
  GATER_GROUP_METRICS,
  type GaterGroupMetrics,
  REGISTRY_GATER_METRICS,
  type RegistryGaterMetrics,
} from './metrics.js'
