/** The JSON shape of an `Error` in JSON log lines. */
export interface SerializedError {
  /** The error's `name`, e.g. `TypeError` or a `DepinError` subclass name. */
  name: string
  message: string
  stack?: string
  /** A stable error code when the error has one (Node's `ERR_*`, DepinError's `code`). */
  code?: unknown
  /** The serialized `cause`, recursively. */
  cause?: unknown
  /** The serialized inner errors of an `AggregateError`. */
  errors?: unknown[]
  /** Any other own enumerable property of the error (e.g. `details`). */
  [property: string]: unknown
}

/** Whether `value` is an `Error`, also one from another realm (vm context, worker). */
export function isError(value: unknown): value is Error {
  if (value instanceof Error) return true
  return (
    typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Error]'
  )
}

/**
 * Serializes an error with its name, message, stack, code, cause and other own properties. Values
 * below it are converted by `convertValue` (which handles cycles and depth).
 */
export function serializeErrorWith(error: Error, convertValue: (value: unknown) => unknown): SerializedError {
  const serialized: SerializedError = {
    name: readString(() => error.name, 'Error'),
    message: readString(() => error.message, ''),
  }
  const stack = readString(() => error.stack, '')
  if (stack !== '') serialized.stack = stack
  for (const key of ownKeys(error)) {
    if (key === 'name' || key === 'message' || key === 'stack') continue
    try {
      const value = (error as unknown as Record<string, unknown>)[key]
      if (key === 'errors' && !Array.isArray(value)) continue
      serialized[key] = convertValue(value)
    } catch {
      serialized[key] = '[Unreadable]'
    }
  }
  return serialized
}

function ownKeys(error: Error): string[] {
  try {
    const keys = Object.keys(error)
    // `cause` and `errors` are own but not always enumerable (AggregateError's `errors` is not).
    for (const key of ['code', 'cause', 'errors']) {
      if (!keys.includes(key) && Object.hasOwn(error, key)) keys.push(key)
      else if (key === 'code' && !keys.includes(key) && (error as { code?: unknown }).code !== undefined) {
        keys.push(key)
      }
    }
    return keys
  } catch {
    return []
  }
}

function readString(read: () => unknown, fallback: string): string {
  try {
    const value = read()
    return typeof value === 'string' ? value : fallback
  } catch {
    return fallback
  }
}
