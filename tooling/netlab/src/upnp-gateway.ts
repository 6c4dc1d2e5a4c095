// A real UPnP IGD / NAT-PMP gateway in a LAN's router namespace: Debian's miniupnpd (nftables
// backend), in the foreground, with its config and lease file in a temporary directory.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '@depin/test-utils'

const START_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 3_000
const LOG_LINES_KEPT = 2_000

/** One port mapping as miniupnpd holds it (its lease file). */
export interface GatewayMapping {
  protocol: 'TCP' | 'UDP'
  externalPort: number
  internalAddress: string
  internalPort: number
  /** The description the client gave (the node's: `@depin/pubsub <peerId>`). */
  description: string
}

/** The miniupnpd of a LAN (`topology.gateway(lan)`). */
export interface UpnpGateway {
  readonly pid: number
  /** The router's WAN IPv4 address: the external address of every mapping. */
  readonly externalAddress: string
  /** The mappings miniupnpd holds now (read from its lease file, which it rewrites on every change). */
  mappings(): Promise<GatewayMapping[]>
  /** miniupnpd's log (its syslog lines, bounded): SSDP searches, SOAP actions, mappings. */
  readonly log: readonly string[]
  /** SIGTERM, then SIGKILL if it does not exit in time; removes its directory. Idempotent. */
  stop(): Promise<void>
}

let cachedReason: { reason: string | undefined } | undefined

/**
 * Why miniupnpd cannot run here, or `undefined`: it needs Debian's `miniupnpd-nftables` (the
 * binary alone: no service, no debconf; `.ci/run` installs it). Checked once per process.
 */
export function upnpGatewayUnavailableReason(): string | undefined {
  cachedReason ??= { reason: probe() }
  return cachedReason.reason
}

function probe(): string | undefined {
  try {
    const out = execFileSync('miniupnpd', ['--version'], { encoding: 'utf8', timeout: 5_000 })
    if (!out.includes('nftables')) return `miniupnpd is not the nftables build (${out.trim()})`
    return undefined
  } catch {
    return 'miniupnpd is not installed (apt-get install miniupnpd-nftables)'
  }
}

/**
 * The nftables chains miniupnpd's nftables backend adds its rules to (its defaults: table `inet
 * filter`, chains `miniupnpd`, `prerouting_miniupnpd`, `postrouting_miniupnpd`), hooked like Debian's
 * `nft_init.sh` does. It only accepts and DNATs what was mapped; the router's own NAT (natRuleset4)
 * still drops everything else.
 */
export const MINIUPNPD_CHAINS = [
  'table inet filter {',
  '  chain forward { type filter hook forward priority 0; policy accept; jump miniupnpd; }',
  '  chain miniupnpd { }',
  '  chain prerouting { type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd; }',
  '  chain postrouting { type nat hook postrouting priority 100; policy accept; jump postrouting_miniupnpd; }',
  '  chain prerouting_miniupnpd { }',
  '  chain postrouting_miniupnpd { }',
  '}',
  '',
].join('\n')

/**
 * Starts miniupnpd in `namespace` (a LAN router with `wan0` and `lan0`) in the foreground (`-d`),
 * UPnP IGD and NAT-PMP on, `secure_mode` (a client maps ports to itself only), ports 1024-65535 of
 * `lanPrefix4.0/24` allowed and nothing else. Resolves once it listens. The caller must have loaded
 * {@link MINIUPNPD_CHAINS} in the namespace.
 */
export async function startUpnpGateway(
  namespace: string,
  lanPrefix4: string,
  externalAddress: string,
): Promise<UpnpGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'netlab-miniupnpd-'))
  const leaseFile = join(dir, 'leases')
  const configFile = join(dir, 'miniupnpd.conf')
  await writeFile(
    configFile,
    [
      'ext_ifname=wan0',
      'listening_ip=lan0',
      'http_port=0',
      'enable_upnp=yes',
      'enable_natpmp=yes',
      'secure_mode=yes',
      'ipv6_disable=yes',
      'system_uptime=no',
      `lease_file=${leaseFile}`,
      `uuid=${randomUUID()}`,
      `allow 1024-65535 ${lanPrefix4}.0/24 1024-65535`,
      'deny 0-65535 0.0.0.0/0 0-65535',
      '',
    ].join('\n'),
  )
  const log: string[] = []
  const child: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', namespace, 'miniupnpd', '-d', '-f', configFile, '-P', join(dir, 'miniupnpd.pid')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let running = true
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running = false
      resolve()
    })
    child.once('error', () => {
      running = false
      resolve()
    })
  })
  const keep = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue
      log.push(line)
      if (log.length > LOG_LINES_KEPT) log.shift()
    }
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)

  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (running) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
      await rm(dir, { recursive: true, force: true })
    })()
    return stopped
  }

  try {
    // Both servers up: NAT-PMP's socket, then SSDP and HTTP.
    await waitFor(() => !running || log.some((line) => line.includes('HTTP listening on port')), {
      timeoutMs: START_TIMEOUT_MS,
      intervalMs: 25,
      message: `miniupnpd listening in ${namespace}`,
    })
    if (!running) throw new Error('exited')
  } catch (err) {
    await stop()
    throw new Error(
      `miniupnpd in ${namespace} failed to start: ${err instanceof Error ? err.message : String(err)}\n${log.join('\n')}`,
    )
  }

  return {
    pid: child.pid ?? -1,
    externalAddress,
    log,
    mappings: async () => {
      const text = await readFile(leaseFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return '' // written on the first mapping
        throw err
      })
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          // PROTO:EXT_PORT:INT_ADDRESS:INT_PORT:EXPIRY:DESCRIPTION
          const [protocol, externalPort, internalAddress, internalPort, , ...description] = line.split(':')
          return {
            protocol: protocol === 'UDP' ? 'UDP' : 'TCP',
            externalPort: Number(externalPort),
            internalAddress: internalAddress ?? '',
            internalPort: Number(internalPort),
            description: description.join(':'),
          }
        })
    },
    stop,
  }
}
