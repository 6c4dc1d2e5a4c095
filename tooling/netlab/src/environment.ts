import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

function attempt(file: string, args: string[]): string | undefined {
  try {
    execFileSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5_000 })
    return undefined
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim()
    return stderr || (err instanceof Error ? err.message : String(err))
  }
}

let cached: { reason: string | undefined } | undefined

/**
 * Why network-namespace tests cannot run on this machine, or `undefined` when they can: they need
 * Linux with IPv6, root (CI runs as root), iproute2's `ip netns` and nftables (`nft`) with kernel
 * NAT support. Checked once per process by creating and deleting a probe namespace with an
 * nftables NAT table in it.
 *
 * @example
 * const reason = netlabUnavailableReason()
 * describe.skipIf(reason !== undefined)(`netlab${reason ? ` (skipped: ${reason})` : ''}`, () => { ... })
 */
export function netlabUnavailableReason(): string | undefined {
  cached ??= { reason: probe() }
  return cached.reason
}

function probe(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`
  if (process.getuid?.() !== 0) return 'network namespaces need root (run as root, as CI does)'
  if (!existsSync('/proc/sys/net/ipv6')) return 'IPv6 is disabled in this kernel (the topologies are IPv6)'
  if (attempt('ip', ['-V']) !== undefined)
    return "iproute2's `ip` is not installed (apt-get install iproute2)"
  if (attempt('nft', ['--version']) !== undefined)
    return 'nftables `nft` is not installed (apt-get install nftables)'
  // Same naming scheme as topologies, so a crash here is swept like any other leftover.
  const name = `dnl${process.pid}x9999-probe`
  const added = attempt('ip', ['netns', 'add', name])
  if (added !== undefined) return `cannot create a network namespace: ${added}`
  try {
    const nat = attempt('ip', [
      'netns',
      'exec',
      name,
      'nft',
      'add table ip6 probe; add chain ip6 probe post { type nat hook postrouting priority 100; }',
    ])
    if (nat !== undefined) return `nftables NAT does not work here: ${nat}`
  } finally {
    attempt('ip', ['netns', 'del', name])
  }
  return undefined
}
