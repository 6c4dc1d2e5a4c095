import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { accessSync, constants, existsSync, mkdirSync, renameSync } from 'node:fs'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { waitFor } from '@depin/test-utils'
import { netlabUnavailableReason } from './environment.js'
import { openNamespaceSet } from './namespaces.js'
import { type RegionProcess, spawnRegionProcess } from './regions-process.js'
import type { RegionChildConfig } from './regions-protocol.js'
import { run } from './shell.js'

const execFileAsync = promisify(execFile)

/** tooling/netlab/delay-line: the Go module of the delay line (standard library only). */
const DELAY_LINE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'delay-line')
/** Where it is built (gitignored). */
const DELAY_LINE_BINARY = join(DELAY_LINE_DIR, '..', '.bin', 'delay-line')
const GO_BUILD_TIMEOUT_MS = 5 * 60_000

/** Second 16-bit word of a node's real address (local to its region's namespace): fd00:10:<region>::<n>. */
const REAL_WORD = 0x10
/** ... and of its virtual address (announced; routed through the delay line): fd00:11:<region>::<n>. */
const VIRTUAL_WORD = 0x11
const MAX_REGIONS = 16
const MAX_ADDRESSES = 4_000

/** One region: a namespace whose nodes share one uplink to the hub. */
export interface RegionInfo {
  name: string
  /** 1-based; the third word of its addresses. */
  index: number
  namespace: string
  /** Per node: the address it listens on (real) and the one it announces and is dialed at (virtual). */
  addresses: ReadonlyArray<{ real: string; virtual: string }>
}

/** A set of regions with round-trip times inside and between them. */
export interface RegionTopologySpec {
  /** Region names (1-12 lowercase letters/digits) and how many node addresses each holds. */
  regions: ReadonlyArray<{ name: string; addresses: number }>
  /** Round-trip time between two nodes of one region (ms). */
  intraRttMs: number
  /** Round-trip time between two regions (ms), keyed `"<a>-<b>"` (either order); every pair is required. */
  rttMs: Readonly<Record<string, number>>
  /** The delay line's binary, from {@link buildDelayLine}. */
  delayLine: string
}

/** A running region topology. `destroy()` stops every process and deletes every namespace. */
export interface RegionTopology {
  readonly prefix: string
  readonly namespaces: readonly string[]
  readonly regions: readonly RegionInfo[]
  region(name: string): RegionInfo
  /** The region of an address (real or virtual, with or without a multiaddr around it), if any. */
  regionOf(address: string): string | undefined
  /** Starts a process running several nodes in a region's namespace (see regions-child.ts). Stopped by `destroy()`. */
  spawnRegionProcess(region: string, config: RegionChildConfig): Promise<RegionProcess>
  /**
   * Round-trip times (ms) of `samples` UDP echoes from region `from` to region `to` (two Node
   * processes, so a little more than the configured delay): checks what the delay line does.
   */
  measureRtt(from: string, to: string, samples: number): Promise<number[]>
  /** Stops every process and the delay line, deletes every namespace. Idempotent; also runs on exit. */
  destroy(): Promise<void>
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The `go` command: $NETLAB_GO, else `go` on PATH, else /usr/local/go/bin/go; undefined if none. */
function findGo(): string | undefined {
  const fromEnv = process.env.NETLAB_GO
  if (fromEnv !== undefined && fromEnv !== '') return isExecutable(fromEnv) ? fromEnv : undefined
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, 'go'))) return join(dir, 'go')
  }
  return isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined
}

/**
 * Why region topologies cannot run here, or `undefined`: everything netlab needs, plus a TUN
 * device (`/dev/net/tun`) and the Go toolchain to build the delay line (the stand-in for
 * `tc netem`, which kernels built without `CONFIG_NET_SCH_NETEM` lack; see delay-line/main.go).
 */
export function regionsUnavailableReason(): string | undefined {
  const netlab = netlabUnavailableReason()
  if (netlab !== undefined) return netlab
  if (!existsSync('/dev/net/tun')) return 'no TUN device (/dev/net/tun) for the delay line'
  if (findGo() === undefined && !isExecutable(DELAY_LINE_BINARY)) {
    return 'the Go toolchain is not installed (the delay line is built from tooling/netlab/delay-line; set NETLAB_GO)'
  }
  return undefined
}

/**
 * Builds the delay line into tooling/netlab/.bin/delay-line (a few seconds with a warm Go build
 * cache) and returns its path; several processes may build at once (each renames its own file in).
 */
export async function buildDelayLine(): Promise<string> {
  const go = findGo()
  if (go === undefined) {
    if (isExecutable(DELAY_LINE_BINARY)) return DELAY_LINE_BINARY
    throw new Error(regionsUnavailableReason() ?? 'no Go toolchain')
  }
  mkdirSync(dirname(DELAY_LINE_BINARY), { recursive: true })
  const tmp = `${DELAY_LINE_BINARY}.${process.pid}.tmp`
  try {
    await execFileAsync(go, ['build', '-buildvcs=false', '-o', tmp, '.'], {
      cwd: DELAY_LINE_DIR,
      timeout: GO_BUILD_TIMEOUT_MS,
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' },
    })
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`go build of tooling/netlab/delay-line failed: ${e.stderr ?? e.message}`)
  }
  renameSync(tmp, DELAY_LINE_BINARY)
  return DELAY_LINE_BINARY
}

/** The one-way delay matrix (ms) for the delay line: half of each round-trip time. */
function delayMatrix(spec: RegionTopologySpec): string {
  const names = spec.regions.map((r) => r.name)
  const rows = names.map((from) =>
    names.map((to) => {
      if (from === to) return spec.intraRttMs / 2
      const rtt = spec.rttMs[`${from}-${to}`] ?? spec.rttMs[`${to}-${from}`]
      if (rtt === undefined) throw new Error(`rttMs has no entry for ${from}-${to}`)
      return rtt / 2
    }),
  )
  for (const [i, row] of rows.entries()) {
    for (const [j, ms] of row.entries()) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new Error(`round-trip time ${names[i]}-${names[j]} must be a finite number of ms >= 0`)
      }
    }
  }
  return rows.map((row) => row.join(',')).join(';')
}

/**
 * Builds regions of network namespaces joined through a hub whose delay line holds every packet for
 * the one-way delay between its source's and its destination's regions (half the round-trip time
 * given; the same inside a region). Each region is one namespace holding many node addresses,
 * so one process can run several nodes of a region.
 *
 * ```
 *  [region a ns]──veth──┐                 ┌── TUN dl0 ── delay line (Go): rewrite, hold, write back
 *   fd00:10:1::<n>      ├── [hub ns] ─────┤
 *  [region b ns]──veth──┤   routes        └── fd00:10:<r>::/64 -> region r's veth
 *   fd00:10:2::<n>      │   fd00:11::/32 -> dl0
 *  [region c ns]──veth──┘
 * ```
 *
 * A node listens on its real address `fd00:10:<r>::<n>` and announces its virtual address
 * `fd00:11:<r>::<n>`. Virtual addresses are routed to the hub, so even traffic inside a region
 * leaves its namespace and is delayed; the delay line rewrites (real src, virtual dst) to (virtual
 * src, real dst), a checksum-neutral change, so the receiver sees the sender at a virtual address
 * of its region (not necessarily the sender's own: the kernel picks the source among the region's
 * addresses) and replies the same way.
 *
 * @example
 * const topology = await createRegionTopology({
 *   regions: [{ name: 'eu', addresses: 10 }, { name: 'us', addresses: 10 }],
 *   intraRttMs: 5, rttMs: { 'eu-us': 90 }, delayLine: await buildDelayLine(),
 * })
 * try { await topology.spawnRegionProcess('eu', config) } finally { await topology.destroy() }
 */
export async function createRegionTopology(spec: RegionTopologySpec): Promise<RegionTopology> {
  if (spec.regions.length === 0 || spec.regions.length > MAX_REGIONS) {
    throw new Error(`1 to ${MAX_REGIONS} regions`)
  }
  const names = spec.regions.map((r) => r.name)
  for (const { name, addresses } of spec.regions) {
    if (!/^[a-z][a-z0-9]{0,11}$/.test(name)) {
      throw new Error(`region name ${JSON.stringify(name)} must be 1-12 lowercase letters/digits`)
    }
    if (!Number.isInteger(addresses) || addresses < 1 || addresses > MAX_ADDRESSES) {
      throw new Error(`region ${name}: addresses must be an integer from 1 to ${MAX_ADDRESSES}`)
    }
  }
  if (new Set(names).size !== names.length) throw new Error('region names must be unique')
  const matrix = delayMatrix(spec)

  const state = await openNamespaceSet()
  const { prefix } = state
  const processes = new Set<RegionProcess>()
  let delayLine: ChildProcess | undefined
  let destroyed: Promise<void> | undefined
  const hub = `${prefix}hub`

  const destroy = (): Promise<void> => {
    destroyed ??= (async () => {
      await Promise.all([...processes].map((p) => p.stop().catch(() => p.kill())))
      if (delayLine !== undefined && delayLine.exitCode === null) {
        const exited = new Promise<void>((resolve) => delayLine?.once('exit', () => resolve()))
        delayLine.kill('SIGTERM')
        await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref())])
        if (delayLine.exitCode === null) delayLine.kill('SIGKILL')
      }
      await state.release()
    })()
    return destroyed
  }

  const addNamespace = async (name: string, forwarding: boolean): Promise<void> => {
    await run('ip', ['netns', 'add', name])
    state.namespaces.push(name)
    const settings = [
      'net.ipv6.conf.all.accept_dad=0',
      'net.ipv6.conf.default.accept_dad=0',
      'net.ipv6.conf.default.accept_ra=0',
    ]
    if (forwarding) settings.push('net.ipv6.conf.all.forwarding=1')
    await run('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', ...settings])
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up'])
  }
  const batch = (namespace: string, lines: string[]): Promise<string> =>
    run('ip', ['-n', namespace, '-b', '-'], `${lines.join('\n')}\n`)

  const regions: RegionInfo[] = []
  try {
    await addNamespace(hub, true)
    const hubLines: string[] = []
    for (const [i, { name, addresses }] of spec.regions.entries()) {
      const index = i + 1
      const namespace = `${prefix}r-${name}`
      await addNamespace(namespace, false)
      const word = index.toString(16)
      const list = Array.from({ length: addresses }, (_, n) => ({
        real: `fd00:${REAL_WORD.toString(16)}:${word}::${(n + 1).toString(16)}`,
        virtual: `fd00:${VIRTUAL_WORD.toString(16)}:${word}::${(n + 1).toString(16)}`,
      }))
      regions.push({ name, index, namespace, addresses: list })
      const ifname = `r-${name}`
      hubLines.push(
        `link add ${ifname} type veth peer name up0 netns ${namespace}`,
        `link set ${ifname} up`,
        `addr add fd00:${REAL_WORD.toString(16)}:${word}::ffff/64 dev ${ifname} nodad`,
      )
    }
    await batch(hub, hubLines)
    for (const region of regions) {
      const word = region.index.toString(16)
      await batch(region.namespace, [
        'link set up0 up',
        ...region.addresses.map((a) => `addr add ${a.real}/64 dev up0 nodad`),
        `route add fd00:${VIRTUAL_WORD.toString(16)}::/32 via fd00:${REAL_WORD.toString(16)}:${word}::ffff dev up0`,
      ])
    }

    // The delay line creates its TUN device and prints "ready"; then the hub routes into it.
    const line = spawn(
      'ip',
      [
        'netns',
        'exec',
        hub,
        spec.delayLine,
        '-tun',
        'dl0',
        '-real',
        String(REAL_WORD),
        '-virtual',
        String(VIRTUAL_WORD),
        '-delays',
        matrix,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    delayLine = line
    if (line.pid !== undefined) state.pids.add(line.pid)
    let output = ''
    line.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
    })
    line.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
    })
    await waitFor(() => output.includes('ready') || line.exitCode !== null, {
      timeoutMs: 10_000,
      intervalMs: 20,
      message: 'the delay line to create its TUN device',
    })
    if (line.exitCode !== null) throw new Error(`the delay line exited: ${output.trim()}`)
    await batch(hub, ['link set dl0 up', `route add fd00:${VIRTUAL_WORD.toString(16)}::/32 dev dl0`])
  } catch (err) {
    await destroy()
    throw err
  }

  const region = (name: string): RegionInfo => {
    const info = regions.find((r) => r.name === name)
    if (info === undefined) throw new Error(`no region ${name} in this topology`)
    return info
  }
  const addressPattern = new RegExp(
    `fd00:(?:${REAL_WORD.toString(16)}|${VIRTUAL_WORD.toString(16)}):([0-9a-f]+)::[0-9a-f]+`,
  )

  return {
    prefix,
    get namespaces() {
      return state.namespaces
    },
    regions,
    region,
    regionOf(address) {
      const match = addressPattern.exec(address)
      if (match === null) return undefined
      return regions.find((r) => r.index === Number.parseInt(match[1] as string, 16))?.name
    },
    async spawnRegionProcess(name, config) {
      if (destroyed !== undefined) throw new Error('region topology destroyed')
      const info = region(name)
      const handle = await spawnRegionProcess(name, info.namespace, config, {
        startTimeoutMs: 20_000 + 2_000 * config.nodes.length,
      })
      processes.add(handle)
      state.pids.add(handle.pid)
      return handle
    },
    async measureRtt(from, to, samples) {
      const target = region(to)
      const source = region(from)
      const server = target.addresses[0]
      const client = source.addresses[source.addresses.length - 1]
      if (server === undefined || client === undefined) throw new Error('regions without addresses')
      const port = 9_000 + Math.floor(Math.random() * 1_000)
      const node = process.execPath
      const echo = run('ip', [
        'netns',
        'exec',
        target.namespace,
        node,
        '-e',
        `const s=require('dgram').createSocket('udp6');s.on('message',(m,r)=>s.send(m,r.port,r.address));s.bind(${port},'${server.real}',()=>console.log('up'));setTimeout(()=>process.exit(0),${2_000 + samples * 400})`,
      ])
      const out = await run('ip', [
        'netns',
        'exec',
        source.namespace,
        node,
        '-e',
        `const s=require('dgram').createSocket('udp6');const rtts=[];let sent=0;` +
          `s.on('message',(m)=>{rtts.push(performance.now()-Number(m.toString()));if(rtts.length===${samples}){console.log(JSON.stringify(rtts));process.exit(0)}});` +
          `s.bind(0,'${client.real}',()=>{const t=setInterval(()=>{s.send(String(performance.now()),${port},'${server.virtual}');if(++sent===${samples * 4})clearInterval(t)},100)});` +
          `setTimeout(()=>{console.log(JSON.stringify(rtts));process.exit(0)},${1_500 + samples * 400})`,
      ])
      await echo.catch(() => {})
      return (JSON.parse(out.trim().split('\n').pop() ?? '[]') as number[]).slice(0, samples)
    },
    destroy,
  }
}
