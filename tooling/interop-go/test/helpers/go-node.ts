import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'

/** iproute2's `ip` (in /usr/sbin, which a CI PATH may lack). */
export const IP_COMMAND =
  ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip'

/** One JSON line printed by the Go program. */
export type GoLine = { type: string } & Record<string, unknown>

/** Options of {@link startGoNode}. */
export interface GoNodeOptions {
  binary: string
  /** base58 Solana secret key; passed in the environment, never on the command line or in output. */
  secretKey: string
  db: string
  authorized: string[]
  bootstrap?: string[]
  subscribe?: string[]
  /** Extra flags, e.g. `['--quic=false']`. */
  args?: string[]
  /** @default 10_000 */
  startTimeoutMs?: number
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string
}

/** A running Go node: its start line, every line it printed, and the commands it reads on stdin. */
export interface GoNode {
  readonly peerId: string
  readonly wallet: string
  /** Listen addresses with /p2p/<PeerId>. */
  readonly addrs: string[]
  readonly lines: GoLine[]
  /** The first address of a transport: `quic` or `tcp`. */
  addr(transport: 'quic' | 'tcp'): string
  /** Sends one command line (`publish <topic> <json>`, `connect <multiaddr>`, `subscribe <topic>`, ...). */
  send(command: string): void
  /** Resolves with the first line (already printed or coming) that matches; bounded. */
  waitForLine(
    match: (line: GoLine) => boolean,
    options?: { timeoutMs?: number; message?: string },
  ): Promise<GoLine>
  /** Closes stdin (the program exits on EOF), then SIGKILL after a grace period. Idempotent. */
  stop(): Promise<void>
}

const KILL_AFTER_MS = 5_000

/** Spawns the Go program on 127.0.0.1 with random ports and waits for its start line. */
export async function startGoNode(options: GoNodeOptions): Promise<GoNode> {
  const args = [
    '--db',
    options.db,
    '--listen-host',
    '127.0.0.1',
    '--quic-port',
    '0',
    '--tcp-port',
    '0',
    '--discovery-interval-ms',
    '500',
    '--bootstrap-retry-ms',
    '1000',
    '--dial-timeout-ms',
    '5000',
  ]
  if (options.authorized.length > 0) args.push('--authorized', options.authorized.join(','))
  if (options.bootstrap !== undefined && options.bootstrap.length > 0) {
    args.push('--bootstrap', options.bootstrap.join(','))
  }
  for (const topic of options.subscribe ?? []) args.push('--subscribe', topic)
  args.push(...(options.args ?? []))

  return startJsonLineProcess({
    command: options.binary,
    args,
    env: { WALLET_PRIVATE_KEY: options.secretKey },
    ...(options.netns === undefined ? {} : { netns: options.netns }),
    ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
  })
}

/**
 * Spawns any program speaking this JSON-lines protocol (a first `{"type":"start","peerId","wallet","addrs"}`
 * line, commands on stdin, exit at stdin's end) and waits for its start line.
 */
export async function startJsonLineProcess(init: {
  command: string
  args: string[]
  /** Added to the environment (secrets go here, never in `args`). */
  env: Record<string, string>
  netns?: string
  startTimeoutMs?: number
}): Promise<GoNode> {
  const [command, args] =
    init.netns === undefined
      ? [init.command, init.args]
      : [IP_COMMAND, ['netns', 'exec', init.netns, init.command, ...init.args]]
  const child = spawn(command, args, {
    env: { ...process.env, ...init.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const node = new GoNodeImpl(child)
  try {
    const start = await node.waitForLine((l) => l.type === 'start', {
      timeoutMs: init.startTimeoutMs ?? 10_000,
      message: `${init.command.split('/').pop()} did not print its start line`,
    })
    node.setStart(start)
  } catch (err) {
    await node.stop()
    throw err
  }
  return node
}

class GoNodeImpl implements GoNode {
  peerId = ''
  wallet = ''
  addrs: string[] = []
  readonly lines: GoLine[] = []
  private readonly stderr: string[] = []
  private readonly waiters = new Set<(line: GoLine | undefined) => void>()
  private exited = false
  private readonly exit: Promise<void>

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.exit = new Promise((resolve) => {
      child.once('exit', () => {
        this.exited = true
        for (const w of this.waiters) w(undefined)
        resolve()
      })
      child.once('error', (err) => {
        this.stderr.push(String(err))
      })
    })
    createInterface({ input: child.stdout }).on('line', (text) => {
      let line: GoLine
      try {
        line = JSON.parse(text) as GoLine
      } catch {
        line = { type: 'unparsed', text }
      }
      this.lines.push(line)
      for (const w of this.waiters) w(line)
    })
    createInterface({ input: child.stderr }).on('line', (text) => {
      if (this.stderr.length < 200) this.stderr.push(text)
    })
    // A stdin write after exit must not crash the test process.
    child.stdin.on('error', () => {})
  }

  setStart(start: GoLine): void {
    this.peerId = String(start.peerId)
    this.wallet = String(start.wallet)
    this.addrs = (start.addrs as string[]) ?? []
  }

  addr(transport: 'quic' | 'tcp'): string {
    const found = this.addrs.find((a) =>
      transport === 'quic' ? a.includes('/quic-v1') : a.includes('/tcp/'),
    )
    if (found === undefined)
      throw new Error(`the Go node has no ${transport} address: ${this.addrs.join(' ')}`)
    return found
  }

  send(command: string): void {
    if (this.exited) throw new Error(`the Go node has exited; cannot send "${command.split(' ')[0]}"`)
    this.child.stdin.write(`${command}\n`)
  }

  waitForLine(
    match: (line: GoLine) => boolean,
    options: { timeoutMs?: number; message?: string } = {},
  ): Promise<GoLine> {
    const already = this.lines.find(match)
    if (already !== undefined) return Promise.resolve(already)
    const timeoutMs = options.timeoutMs ?? 10_000
    return new Promise((resolve, reject) => {
      const done = (line: GoLine | undefined): void => {
        if (line !== undefined && !match(line)) return
        this.waiters.delete(done)
        clearTimeout(timer)
        if (line === undefined)
          reject(this.failure(`${options.message ?? 'line not seen'}: the Go node exited`))
        else resolve(line)
      }
      const timer = setTimeout(() => {
        this.waiters.delete(done)
        reject(this.failure(`${options.message ?? 'line not seen'} within ${timeoutMs} ms`))
      }, timeoutMs)
      if (this.exited) {
        done(undefined)
        return
      }
      this.waiters.add(done)
    })
  }

  private failure(message: string): Error {
    const tail = this.lines
      .slice(-15)
      .map((l) => JSON.stringify(l))
      .join('\n')
    return new Error(`${message}\nlast Go lines:\n${tail}\nstderr:\n${this.stderr.slice(-10).join('\n')}`)
  }

  async stop(): Promise<void> {
    if (this.exited) return
    this.child.stdin.end()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS)
    await this.exit
    clearTimeout(timer)
  }
}
