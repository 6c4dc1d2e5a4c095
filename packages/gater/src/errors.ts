import { configErrorClass, DepinError, type DepinErrorOptions, describeConfigIssues } from '@depin/errors'

/**
 * {@link RegistryGaterInit} options are invalid: `issues` lists every one and the message names each;
 * `field` is the first (e.g. `refreshIntervalMs` or `allowList[2]`). Thrown by `createRegistryGater`.
 */
export class InvalidGaterConfigError extends configErrorClass(
  'INVALID_GATER_CONFIG',
  'InvalidGaterConfigError',
  (issues) => `Invalid gater option${issues.length > 1 ? 's' : ''} ${describeConfigIssues(issues, ': ')}`,
) {}

/** How a registry call failed. */
export type RegistryFailureKind = 'threw' | 'timeout' | 'invalid-answer'

/**
 * A `getAuthorizedWallets` call failed: it threw or rejected, did not answer within
 * `registryTimeoutMs`, or answered with something that is not a list of wallets. The gater keeps its
 * last good set and denies unknown peers; this error is what it logs and counts.
 */
export class RegistryCallError extends DepinError<'REGISTRY_CALL_FAILED'> {
  override name = 'RegistryCallError'
  /** How the call failed. */
  readonly kind: RegistryFailureKind
  constructor(kind: RegistryFailureKind, reason: string, options: DepinErrorOptions = {}) {
    super('REGISTRY_CALL_FAILED', `getAuthorizedWallets failed: ${reason}`, options)
    this.kind = kind
  }
}

declare module '@depin/errors' {
  interface DepinErrorsByCode {
    INVALID_GATER_CONFIG: InvalidGaterConfigError
    REGISTRY_CALL_FAILED: RegistryCallError
  }
}
