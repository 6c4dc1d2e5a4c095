import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { connect, type NatsConnection } from 'nats'
import type { BenchNetwork } from './networks.js'
import { rawPayload } from './networks.js'
import { sleep } from './stats.js'

/** A running nats-server, or why there is none. */
export type NatsServer =
  | { ok: true; url: string; version: string; stop(): Promise<void> }
  | { ok: false; reason: string }

function findBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/usr/local/bin'])) {
    const candidate = `${dir}/nats-server`
    if (dir !== '' && existsSync(candidate)) return candidate
  }
  return undefined
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

/**
 * Starts Debian's `nats-server` on a free loopback port, installing it with apt-get when missing
 * (root only). Never throws: when it cannot run, the answer says why and the NATS rows are skipped.
 */
export async function startNatsServer(
  log: (line: string) => void = () => {},
  { install = true }: { install?: boolean } = {},
): Promise<NatsServer> {
  let binary = findBinary()
  if (binary === undefined && !install)
    return { ok: false, reason: 'nats-server not installed (apt-get install nats-server)' }
  if (binary === undefined) {
    if (process.getuid?.() !== 0)
      return { ok: false, reason: 'nats-server not installed and not root (apt-get install nats-server)' }
    log('nats-server missing: apt-get install -y nats-server')
    try {
      execFileSync('apt-get', ['install', '-y', 'nats-server'], { stdio: 'ignore', timeout: 180_000 })
    } catch (err) {
      return {
        ok: false,
        reason: `apt-get install nats-server failed: ${(err as Error).message.split('\n')[0]}`,
      }
    }
    binary = findBinary()
    if (binary === undefined) return { ok: false, reason: 'nats-server still missing after apt-get install' }
  }
  let version = 'unknown'
  try {
    version = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim()
  } catch {}
  const port = await freePort()
  const child: ChildProcess = spawn(binary, ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' })
  // An interrupted bench must not leave the server behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL')
  }
  process.once('exit', killOnExit)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killOnExit()
      process.exit(130)
    })
  }
  child.once('exit', () => process.removeListener('exit', killOnExit))
  const url = `nats://127.0.0.1:${port}`
  const deadline = performance.now() + 10_000
  while (performance.now() < deadline) {
    if (child.exitCode !== null)
      return { ok: false, reason: `nats-server exited with code ${child.exitCode}` }
    try {
      const probe = await connect({ servers: url, timeout: 1_000 })
      await probe.close()
      return {
        ok: true,
        url,
        version,
        stop: async () => {
          if (child.exitCode !== null) return
          const exited = new Promise((resolve) => child.once('exit', resolve))
          child.kill('SIGTERM')
          await Promise.race([exited, sleep(5_000)])
          if (child.exitCode === null) child.kill('SIGKILL')
        },
      }
    } catch {
      await sleep(100)
    }
  }
  child.kill('SIGKILL')
  return { ok: false, reason: 'nats-server did not accept connections within 10 s' }
}

/** NATS core: one connection per "node", the same bytes as the raw baseline, plain subject subscription. */
export async function createNatsNetwork(
  url: string,
  nodes: number,
  size: number,
): Promise<BenchNetwork & { setSize(size: number): void }> {
  const conns: NatsConnection[] = []
  let payloadSize = size
  const subject = 'bench'
  const net = {
    name: 'nats',
    subscribers: nodes - 1,
    onDelivery: (_run: number, _seq: number): void => {},
    setSize(next: number) {
      payloadSize = next
    },
    async publish(run: number, seq: number) {
      ;(conns[0] as NatsConnection).publish(subject, rawPayload(payloadSize, run, seq))
    },
    async stop() {
      await Promise.allSettled(conns.map((c) => c.close()))
    },
  }
  try {
    for (let i = 0; i < nodes; i++) conns.push(await connect({ servers: url }))
    for (let i = 1; i < nodes; i++) {
      ;(conns[i] as NatsConnection).subscribe(subject, {
        callback: (_err, msg) => {
          const view = new DataView(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength)
          net.onDelivery(view.getUint32(0), view.getUint32(4))
        },
      })
    }
    await Promise.all(conns.map((c) => c.flush()))
    return net
  } catch (err) {
    await net.stop()
    throw err
  }
}
