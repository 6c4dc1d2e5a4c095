import type { DepinErrorCode } from './codes.js'
import { DepinError, type DepinErrorOptions } from './depin-error.js'

/** The constructor {@link messageErrorClass} returns: `new (subject, options?)`. */
export interface MessageErrorClass<C extends DepinErrorCode> {
  new (subject: string, options?: DepinErrorOptions): DepinError<C>
}

/**
 * The base of a {@link DepinError} subclass whose message is made from one string argument (what
 * was being done, the database concerned, ...). Extend it to get a named class:
 *
 * @example
 * ```ts
 * /** The node was stopped. *\/
 * export class NodeStoppedError extends messageErrorClass(
 *   'NODE_STOPPED', 'NodeStoppedError', (action) => `Cannot ${action}: the node is stopped`,
 * ) {}
 * ```
 */
export function messageErrorClass<C extends DepinErrorCode>(
  code: C,
  errorName: string,
  message: (subject: string) => string,
): MessageErrorClass<C> {
  return class extends DepinError<C> {
    override name = errorName
    constructor(subject: string, options: DepinErrorOptions = {}) {
      super(code, message(subject), options)
    }
  }
}

/** The constructor {@link reasonErrorClass} returns: `new (reason, options?)`. */
export interface ReasonErrorClass<C extends DepinErrorCode> {
  new (reason: string, options?: DepinErrorOptions): DepinError<C>
}

/**
 * The base of a {@link DepinError} subclass whose only argument is what was wrong; its message is
 * `` `${prefix}: ${reason}` ``. Extend it to get a named class:
 *
 * @example
 * ```ts
 * /** A wallet public key is malformed. *\/
 * export class InvalidWalletError extends reasonErrorClass('INVALID_WALLET', 'InvalidWalletError', 'Invalid wallet public key') {}
 * ```
 */
export function reasonErrorClass<C extends DepinErrorCode>(
  code: C,
  errorName: string,
  prefix: string,
): ReasonErrorClass<C> {
  return messageErrorClass(code, errorName, (reason) => `${prefix}: ${reason}`)
}
