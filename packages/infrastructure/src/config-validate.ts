import type { ConfigIssues } from '@depin/errors'
import { describeValue } from '@depin/identity'
import { isMultiaddr, multiaddr } from '@multiformats/multiaddr'
import {
  ACCOUNTABILITY_DEFAULTS,
  type AccountabilityOptions,
  type ResolvedAccountabilityOptions,
} from './accountability.js'
import {
  MAX_RTT_BANDS,
  PEERING_DEFAULTS,
  type PeeringOptions,
  type ResolvedPeeringOptions,
} from './latency.js'

// The field checks of NodeInit. Each one returns the value when it is good, the default when it is
// unset, and, when it is bad, records an issue naming the field and returns the default, so that
// resolveNodeInit() goes on and reports every bad field at once.

export function bool(issues: ConfigIssues, value: unknown, fallback: boolean, field: string): boolean {
  if (value === undefined) return fallback
  if (typeof value === 'boolean') return value
  issues.add(field, `must be a boolean, got ${describeValue(value)}`)
  return fallback
}

/** `value` if it is a number that `ok` accepts, else an issue saying what was `expected` (and the default). */
function checkedNumber(
  issues: ConfigIssues,
  value: unknown,
  fallback: number,
  field: string,
  ok: (value: number) => boolean,
  expected: string,
): number {
  if (value === undefined) return fallback
  if (typeof value === 'number' && ok(value)) return value
  issues.add(field, `${expected}, got ${describeValue(value)}`)
  return fallback
}

const isInteger =
  (min: number, max = Number.POSITIVE_INFINITY) =>
  (value: number) =>
    Number.isInteger(value) && value >= min && value <= max

export function port(issues: ConfigIssues, value: unknown, fallback: number, field: string): number {
  const expected = 'must be an integer from 0 to 65535 (0 = any free port)'
  return checkedNumber(issues, value, fallback, field, isInteger(0, 65535), expected)
}

export function positiveInt(issues: ConfigIssues, value: unknown, fallback: number, field: string): number {
  return checkedNumber(issues, value, fallback, field, isInteger(1), 'must be a positive integer')
}

export function nonNegativeInt(
  issues: ConfigIssues,
  value: unknown,
  fallback: number,
  field: string,
): number {
  return checkedNumber(issues, value, fallback, field, isInteger(0), 'must be a non-negative integer')
}

/**
 * The integer fields of one option group (`bootstrap`, `quic`, ...): `minimums` lists each field
 * once, in the order checked, with 1 for a positive integer and 0 for a non-negative one.
 */
export function integers<K extends string>(
  issues: ConfigIssues,
  group: string,
  value: { readonly [P in NoInfer<K>]?: unknown } | undefined,
  defaults: Readonly<Record<NoInfer<K>, number>>,
  minimums: Readonly<Record<K, 0 | 1>>,
): Record<K, number> {
  const resolved = {} as Record<K, number>
  for (const key of Object.keys(minimums) as K[]) {
    const check = minimums[key] === 1 ? positiveInt : nonNegativeInt
    resolved[key] = check(issues, value?.[key], defaults[key], `${group}.${key}`)
  }
  return resolved
}

/** Multiaddrs given as strings or `Multiaddr` objects, as strings. */
export function addressList(issues: ConfigIssues, value: unknown, field: string): string[] {
  if (!Array.isArray(value)) {
    issues.add(field, 'must be an array of multiaddr strings')
    return []
  }
  const addresses: string[] = []
  for (const [i, addr] of (value as unknown[]).entries()) {
    if (isMultiaddr(addr)) addresses.push(addr.toString())
    else if (typeof addr !== 'string')
      issues.add(`${field}[${i}]`, `must be a multiaddr string, got ${describeValue(addr)}`)
    else {
      try {
        addresses.push(multiaddr(addr).toString())
      } catch {
        issues.add(`${field}[${i}]`, `is not a multiaddr: ${describeValue(addr)}`)
      }
    }
  }
  return addresses
}

/** The UPnP gateways asked for: `[]` to search with SSDP, `undefined` when port mapping is off. */
export function portMappingGateways(issues: ConfigIssues, value: unknown): string[] | undefined {
  if (typeof value === 'boolean') return value ? [] : undefined
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.add('portMapping', `must be a boolean or { gateways?: string[] }, got ${describeValue(value)}`)
    return undefined
  }
  const gateways = (value as { gateways?: unknown }).gateways ?? []
  if (!Array.isArray(gateways)) {
    issues.add('portMapping.gateways', 'must be an array of UPnP descriptor URLs')
    return undefined
  }
  for (const [i, url] of (gateways as unknown[]).entries()) {
    if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      issues.add(
        `portMapping.gateways[${i}]`,
        `must be an http(s) URL of a UPnP device descriptor (e.g. http://192.168.1.1:5000/rootDesc.xml), got ${describeValue(url)}`,
      )
    }
  }
  return [...(gateways as string[])]
}

export function metricsFactory<T>(issues: ConfigIssues, value: T | undefined): T | undefined {
  if (value === undefined || typeof value === 'function') return value
  issues.add('metrics', 'must be a libp2p metrics factory (components) => Metrics')
  return undefined
}

export function resolveAccountability(
  issues: ConfigIssues,
  init: AccountabilityOptions | undefined,
): ResolvedAccountabilityOptions {
  return integers(issues, 'accountability', init, ACCOUNTABILITY_DEFAULTS, {
    strikesToSuspend: 1,
    suspendMs: 1,
    strikeMemoryMs: 1,
    unattributablePerMinute: 0,
    invalidEventsToGraylist: 1,
    maxTrackedPeers: 1,
  })
}

/** {@link PeeringOptions} with {@link PEERING_DEFAULTS} applied; each bad field is recorded in `issues`. */
export function resolvePeering(
  issues: ConfigIssues,
  init: PeeringOptions | undefined,
): ResolvedPeeringOptions {
  const d = PEERING_DEFAULTS
  if (init === undefined) return d
  if (init === null || typeof init !== 'object') {
    issues.add('peering', `must be an object, got ${describeValue(init)}`)
    return d
  }
  return {
    latencyAware: bool(issues, init.latencyAware ?? d.latencyAware, d.latencyAware, 'peering.latencyAware'),
    keepPerFarBand: checkedNumber(
      issues,
      init.keepPerFarBand ?? d.keepPerFarBand,
      d.keepPerFarBand,
      'peering.keepPerFarBand',
      isInteger(1),
      'must be a positive integer (at least one link to every far band)',
    ),
    pingIntervalMs: checkedNumber(
      issues,
      init.pingIntervalMs ?? d.pingIntervalMs,
      d.pingIntervalMs,
      'peering.pingIntervalMs',
      isInteger(100),
      'must be an integer of at least 100 (ms)',
    ),
    rttBandsMs: rttBands(issues, init.rttBandsMs ?? d.rttBandsMs),
  }
}

function rttBands(issues: ConfigIssues, value: unknown): readonly number[] {
  const field = 'peering.rttBandsMs'
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_RTT_BANDS) {
    issues.add(
      field,
      `must be an array of 1 to ${MAX_RTT_BANDS} band upper bounds in ms, got ${describeValue(value)}`,
    )
    return PEERING_DEFAULTS.rttBandsMs
  }
  let previous = 0
  for (const [i, bound] of (value as unknown[]).entries()) {
    if (typeof bound !== 'number' || !Number.isFinite(bound) || bound <= previous) {
      issues.add(
        `${field}[${i}]`,
        `must be a finite number of ms above ${previous} (bounds are positive and ascending), got ${describeValue(bound)}`,
      )
      return PEERING_DEFAULTS.rttBandsMs
    }
    previous = bound
  }
  return Object.freeze([...value] as number[])
}
