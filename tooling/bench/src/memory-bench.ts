import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { connect } from '@depin/pubsub'
import { generateWallets } from '@depin/test-utils'
import { spawnNodeProcess } from '@depin/test-utils/node-process'
import type { MemoryChildAnswer, MemoryChildInit, MemoryChildReport } from './memory-child.js'
import { sleep } from './stats.js'

/** Idle and busy node memory over the same window (the two run at once, each in its own process). */
export interface MemoryFigures {
  durationMs: number
  busyRate: number
  size: number
  idle: MemoryChildReport
  busy: MemoryChildReport
}

function childScript(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  // From the built CLI (dist/) the child sits beside it; from the sources (vitest) use the build.
  return here.endsWith('src') ? join(here, '..', 'dist', 'memory-child.js') : join(here, 'memory-child.js')
}

async function runChild(init: MemoryChildInit): Promise<MemoryChildReport> {
  const proc = spawnNodeProcess<MemoryChildInit, MemoryChildAnswer>({
    script: childScript(),
    stderr: 'inherit',
    // A full GC at the start and end tells retained memory from garbage not yet collected.
    execArgv: [...process.execArgv, '--expose-gc'],
  })
  const timeoutMs = init.durationMs + 60_000
  const answer = proc.next((m) => m.type === 'report', {
    timeoutMs,
    what: `memory child (${init.role}) report`,
  })
  proc.send(init)
  try {
    const msg = await answer
    if (msg.ok && msg.report !== undefined) return msg.report
    throw new Error(`memory child (${init.role}): ${msg.error}`)
  } catch (err) {
    await proc.kill()
    throw err
  }
}

/**
 * Starts a peer here, and two measured nodes in child processes: one idle, one publishing `rate`
 * events per second while this peer publishes as many back to it.
 */
export async function runMemoryBench({
  durationMs,
  rate,
  size,
  log = () => {},
}: {
  durationMs: number
  rate: number
  size: number
  log?: (line: string) => void
}): Promise<MemoryFigures> {
  const [peerW, idleW, busyW] = generateWallets(3) as [
    ReturnType<typeof generateWallets>[number],
    ReturnType<typeof generateWallets>[number],
    ReturnType<typeof generateWallets>[number],
  ]
  const authorized = [peerW.wallet, idleW.wallet, busyW.wallet]
  const peer = await connect({
    walletPrivateKey: peerW.secretKeyBase58,
    databaseName: 'memory',
    getAuthorizedWallets: async () => authorized,
    getBootstrapNodes: async () => [],
    listenHost: '127.0.0.1',
    listenPorts: { quic: 0, tcp: 0 },
    node: { transports: { quic: false, tcp: true } },
  })
  let stopEcho = false
  try {
    await peer.subscribe('busy', () => {})
    await peer.subscribe('idle', () => {})
    const tcpPort = Number(
      peer
        .multiaddrs()
        .map((a) => a.match(/\/tcp\/(\d+)/)?.[1])
        .find((p) => p !== undefined),
    )
    const bootstrap = { publicKey: peerW.wallet, ip: '127.0.0.1', tcpPort }
    const common = { authorized, bootstrap, durationMs, rate, size }
    log(`memory: idle and busy (${rate} msgs/s) nodes for ${Math.round(durationMs / 1000)} s`)
    const idle = runChild({ ...common, role: 'idle', secretKeyBase58: idleW.secretKeyBase58 })
    const busy = runChild({ ...common, role: 'busy', secretKeyBase58: busyW.secretKeyBase58 })
    // Publish back to the busy node at the same rate, once it is in the topic.
    const echo = (async () => {
      const padding = 'x'.repeat(size)
      const deadline = performance.now() + durationMs + 30_000
      while (!stopEcho && peer.topicPeers('busy').length === 0 && performance.now() < deadline)
        await sleep(50)
      let n = 0
      const start = performance.now()
      while (!stopEcho && performance.now() < deadline) {
        const wait = start + (n * 1000) / rate - performance.now()
        if (wait > 1) await sleep(wait)
        await peer.publish('busy', { n, p: padding }).catch(() => {})
        n++
      }
    })()
    const [idleReport, busyReport] = await Promise.all([idle, busy])
    stopEcho = true
    await echo
    return { durationMs, busyRate: rate, size, idle: idleReport, busy: busyReport }
  } finally {
    stopEcho = true
    await peer.disconnect()
  }
}
