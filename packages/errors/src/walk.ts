/** How deep {@link walk} follows `cause` by default: the error itself and 15 causes. */
export const WALK_MAX_DEPTH = 16

/** Options of {@link walk}. */
export interface WalkOptions {
  /**
   * How many errors of the chain to look at, the first one included.
   * @default 16
   */
  maxDepth?: number
}

/**
 * Walks `err` and its `cause` chain. With a predicate, returns the first error of the chain
 * (`err` itself included) it accepts, or `undefined`; without, returns the deepest cause (or `err`
 * when it has none). Stops at a cycle and after `maxDepth` errors; never throws (a `cause`
 * getter that throws ends the chain). Follows viem's `BaseError.walk`, as a function so it works on
 * any error, including libp2p's and Node's.
 *
 * @example
 * ```ts
 * const refused = walk(err, (e) => isDepinError(e, 'REGISTRY_CALL_FAILED'))
 * const inUse = walk(err, (e) => (e as { code?: unknown }).code === 'EADDRINUSE') !== undefined
 * ```
 */
export function walk<T>(
  err: unknown,
  predicate: (err: unknown) => err is T,
  options?: WalkOptions,
): T | undefined
export function walk(err: unknown, predicate: (err: unknown) => boolean, options?: WalkOptions): unknown
export function walk(err: unknown, predicate?: undefined, options?: WalkOptions): unknown
export function walk(
  err: unknown,
  predicate?: (err: unknown) => boolean,
  options: WalkOptions = {},
): unknown {
  const maxDepth = options.maxDepth ?? WALK_MAX_DEPTH
  const seen = new Set<unknown>()
  let current = err
  for (let depth = 1; depth <= maxDepth; depth++) {
    if (predicate?.(current) === true) return current
    seen.add(current)
    const next = causeOf(current)
    if (next === undefined || seen.has(next) || depth === maxDepth) break
    current = next
  }
  return predicate === undefined ? current : undefined
}

/** `value.cause` when `value` is an object that has one, else `undefined`. */
function causeOf(value: unknown): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined
  try {
    return (value as { cause?: unknown }).cause
  } catch {
    return undefined
  }
}
