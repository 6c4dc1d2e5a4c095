export { DEPIN_ERROR_CODES, type DepinErrorCode } from './codes.js'
export {
  type ConfigError,
  type ConfigErrorClass,
  ConfigIssues,
  configErrorClass,
  describeConfigIssues,
} from './config-issues.js'
export {
  type MessageErrorClass,
  messageErrorClass,
  type ReasonErrorClass,
  reasonErrorClass,
} from './define.js'
export { DEPIN_ERROR_BRAND, DepinError, type DepinErrorOptions } from './depin-error.js'
export { type ConfigIssue, InvalidConfigError } from './invalid-config.js'
export { type DepinErrorOf, type DepinErrorsByCode, isDepinError } from './is-depin-error.js'
export { WALK_MAX_DEPTH, type WalkOptions, walk } from './walk.js'
