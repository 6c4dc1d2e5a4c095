import type { ConfigIssues } from '@depin/errors'
import { isAddress } from '@solana/kit'

/** Adds an issue unless `value` is a base58 Solana address (32 bytes). */
export function checkAddress(issues: ConfigIssues, field: string, value: unknown): void {
  if (typeof value !== 'string' || !isAddress(value)) {
    issues.add(field, 'must be a base58 Solana address (32 bytes)')
  }
}

/** Adds an issue unless `value` is undefined or an integer in [min, max]. */
export function checkOptionalInteger(
  issues: ConfigIssues,
  field: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    issues.add(field, `must be an integer between ${min} and ${max}`)
  }
}

/** Adds an issue unless `value` parses as a URL with one of `protocols` (e.g. `['http:', 'https:']`). */
export function checkUrl(
  issues: ConfigIssues,
  field: string,
  value: unknown,
  protocols: readonly string[],
): void {
  let protocol: string | undefined
  try {
    protocol = typeof value === 'string' ? new URL(value).protocol : undefined
  } catch {
    protocol = undefined
  }
  if (protocol === undefined || !protocols.includes(protocol)) {
    issues.add(field, `must be a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`)
  }
}

/** The origin of an endpoint URL (`https://host:port`), what logs and metrics name it by: its path and query may hold an API key. */
export function endpointLabel(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return 'invalid-url'
  }
}
