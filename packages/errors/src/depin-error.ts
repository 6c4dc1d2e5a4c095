import type { DepinErrorCode } from './codes.js'

/** Options every {@link DepinError} takes. */
export interface DepinErrorOptions {
  /** The lower-level error that caused this one. */
  cause?: unknown
  /** Extra detail for logs; never contains secret material. */
  details?: string
}

/**
 * Set on every {@link DepinError}, so {@link isDepinError} also recognises errors made by another
 * copy of this package (two versions installed side by side), where `instanceof` fails.
 */
export const DEPIN_ERROR_BRAND: unique symbol = Symbol.for('@depin/errors.DepinError')

/**
 * The base class of every error thrown by @depin packages. `code` is stable and safe to branch on
 * (see {@link DEPIN_ERROR_CODES}); `shortMessage` is the message without `details`; `cause` is the
 * lower-level error, if any (walk the chain with {@link walk}).
 *
 * @example
 * ```ts
 * try {
 *   parseSecretKey(input)
 * } catch (err) {
 *   if (isDepinError(err, 'INVALID_SECRET_KEY')) console.error(err.shortMessage)
 * }
 * ```
 */
export class DepinError<C extends DepinErrorCode = DepinErrorCode> extends Error {
  static {
    Object.defineProperty(DepinError.prototype, DEPIN_ERROR_BRAND, { value: true })
  }

  override name = 'DepinError'
  /** The stable code of this kind of error; one of {@link DEPIN_ERROR_CODES}. */
  readonly code: C
  /** The message without `details`. */
  readonly shortMessage: string
  /** Extra detail for logs, appended to `message` after a blank line. */
  readonly details: string | undefined

  constructor(code: C, shortMessage: string, options: DepinErrorOptions = {}) {
    super(options.details === undefined ? shortMessage : `${shortMessage}\n\nDetails: ${options.details}`, {
      cause: options.cause,
    })
    this.code = code
    this.shortMessage = shortMessage
    this.details = options.details
  }
}
