import { describeConfigIssues } from './config-issues.js'
import { DepinError, type DepinErrorOptions } from './depin-error.js'

/** One bad field of a configuration object. */
export interface ConfigIssue {
  /** The field's path, e.g. `listenPorts.quic`. */
  field: string
  /** What is wrong and what is expected. Never contains the field's value when it is secret. */
  message: string
}

/**
 * A configuration object failed validation. `issues` lists every bad field; the message names
 * each of them. Secret values (the wallet private key) are never echoed.
 */
export class InvalidConfigError extends DepinError<'INVALID_CONFIG'> {
  override name = 'InvalidConfigError'
  /** Every bad field, in the order they were found. */
  readonly issues: readonly ConfigIssue[]
  constructor(issues: readonly ConfigIssue[], options: DepinErrorOptions = {}) {
    super('INVALID_CONFIG', `Invalid configuration: ${describeConfigIssues(issues)}`, options)
    this.issues = issues
  }
}
