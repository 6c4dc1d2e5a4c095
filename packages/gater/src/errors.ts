import { DepinError, type DepinErrorOptions } from '@depin/identity'

/** A {@link RegistryGaterInit} option is invalid; `field` names it. Thrown by `createRegistryGater`. */
export class InvalidGaterConfigError extends DepinError {
  override name = 'InvalidGaterConfigError'
  /** The option that was wrong, e.g. `refreshIntervalMs` or `allowList[2]`. */
  readonly field: string
  constructor(field: string, reason: string, options: DepinErrorOptions = {}) {
    super('INVALID_GATER_CONFIG', `Invalid gater option ${field}: ${reason}`, options)
    this.field = field
  }
}

/** How a registry call failed. */
export type RegistryFailureKind = 'threw' | 'timeout' | 'invalid-answer'

/**
 * A `getAuthorizedWallets` call failed: it threw or rejected, did not answer within
 * `registryTimeoutMs`, or answered with something that is not a list of wallets. The gater keeps its
 * last good set and denies unknown peers; this error is what it logs and counts.
 */
export class RegistryCallError extends DepinError {
  override name = 'RegistryCallError'
  readonly kind: RegistryFailureKind
  constructor(kind: RegistryFailureKind, reason: string, options: DepinErrorOptions = {}) {
    super('REGISTRY_CALL_FAILED', `getAuthorizedWallets failed: ${reason}`, options)
    this.kind = kind
  }
}
