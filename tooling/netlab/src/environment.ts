import { execFileSync } from 'node:child_process'

function works(file: string, args: string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore', timeout: 5_000 })
    return true
  } catch {
    return false
  }
}

/**
 * Why network-namespace tests cannot run on this machine, or `undefined` when they can: they need
 * root (CI runs as root), iproute2's `ip` with `netns` support and nftables' `nft`.
 *
 * @example
 * const reason = netlabUnavailableReason()
 * describe.skipIf(reason !== undefined)(`netlab${reason ? ` (skipped: ${reason})` : ''}`, () => { ... })
 */
export function netlabUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`
  if (process.getuid?.() !== 0) return 'network namespaces need root (run as root, as CI does)'
  if (!works('ip', ['netns', 'list']))
    return "iproute2's `ip netns` is not available (apt-get install iproute2)"
  if (!works('nft', ['--version'])) return 'nftables `nft` is not available (apt-get install nftables)'
  return undefined
}
