import type { DepinErrorCode } from './codes.js'
import { DEPIN_ERROR_BRAND, DepinError } from './depin-error.js'
import type { InvalidConfigError } from './invalid-config.js'

/**
 * The error class of each code, for {@link isDepinError}'s narrowing. Each package that defines a
 * subclass adds its own entries by declaration merging:
 *
 * @example
 * ```ts
 * declare module '@depin/errors' {
 *   interface DepinErrorsByCode {
 *     INVALID_WALLET: InvalidWalletError
 *   }
 * }
 * ```
 */
export interface DepinErrorsByCode {
  INVALID_CONFIG: InvalidConfigError
}

/** The error class of `C` when its package is loaded, else `DepinError<C>`. */
export type DepinErrorOf<C extends DepinErrorCode> = C extends keyof DepinErrorsByCode
  ? DepinErrorsByCode[C] & DepinError<C>
  : DepinError<C>

/**
 * Whether `err` is a {@link DepinError}, and when `code` is given, one with that code; narrows to
 * the error's own class (e.g. `InvalidSecretKeyError` for `'INVALID_SECRET_KEY'`). Never throws,
 * whatever `err` is. Recognises errors from another installed copy of `@depin/errors` too.
 *
 * @example
 * ```ts
 * try {
 *   await connect(config)
 * } catch (err) {
 *   if (isDepinError(err, 'INVALID_CONFIG')) for (const issue of err.issues) console.error(issue.field)
 *   else if (isDepinError(err, 'NODE_START_FAILED')) console.error(err.listenAddresses)
 *   else throw err
 * }
 * ```
 */
export function isDepinError(err: unknown): err is DepinError
export function isDepinError<C extends DepinErrorCode>(err: unknown, code: C): err is DepinErrorOf<C>
export function isDepinError(err: unknown, code?: DepinErrorCode): boolean {
  try {
    if (typeof err !== 'object' || err === null) return false
    if (
      !(err instanceof DepinError) &&
      (err as { [DEPIN_ERROR_BRAND]?: unknown })[DEPIN_ERROR_BRAND] !== true
    ) {
      return false
    }
    return code === undefined || (err as { code?: unknown }).code === code
  } catch {
    // A hostile proxy or getter: whatever it is, it is not one of ours.
    return false
  }
}
