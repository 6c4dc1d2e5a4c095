import { isError } from './error-value.js'

/**
 * The key written for a value that has no key: a trailing key without a value, as Go's `log/slog`
 * does (`logger.info('msg', 'orphan')` logs `!BADKEY=orphan`).
 */
export const BAD_KEY = '!BADKEY'

/** The key a bare `Error` in key position is written under (`logger.error('failed', err)`). */
export const ERROR_KEY = 'err'

/** One key and its value, after normalization. */
export type KeyValuePair = readonly [key: string, value: unknown]

/**
 * Turns the Go implementation's alternating `key, value, key, value` list into pairs, forgiving the
 * mistakes a caller can make at run time:
 * - a trailing key without a value becomes `['!BADKEY', key]` (slog's convention);
 * - a bare `Error` where a key is expected becomes `['err', error]` and consumes only itself, so
 *   `logger.error('dial failed', err, 'peer', id)` keeps both fields;
 * - any other non-string key is stringified (`String(key)`) and takes the next value.
 *
 * Never throws.
 */
export function toKeyValuePairs(keyValues: readonly unknown[]): KeyValuePair[] {
  const pairs: KeyValuePair[] = []
  const length = keyValues.length
  let index = 0
  while (index < length) {
    const key = keyValues[index]
    if (typeof key !== 'string' && isError(key)) {
      pairs.push([ERROR_KEY, key])
      index += 1
    } else if (index + 1 >= length) {
      pairs.push([BAD_KEY, key])
      index += 1
    } else {
      pairs.push([typeof key === 'string' ? key : keyToString(key), keyValues[index + 1]])
      index += 2
    }
  }
  return pairs
}

/**
 * Pairs as a record without prototype (so a `__proto__` key is just a key). A later duplicate key
 * wins.
 */
export function toFieldRecord(pairs: readonly KeyValuePair[]): Record<string, unknown> {
  const record: Record<string, unknown> = Object.create(null)
  for (const [key, value] of pairs) record[key] = value
  return record
}

function keyToString(key: unknown): string {
  try {
    return String(key)
  } catch {
    return BAD_KEY
  }
}
