import { type ChildProcess, spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BootstrapNode } from '@depin/pubsub'
import { waitFor } from '@depin/test-utils'
import type { ChurnChildMessage, ChurnParentMessage } from './churn-child.js'

const CHILD_PATH = fileURLToPath(new URL('./churn-child.ts', import.meta.url))
const LISTEN_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 6_000
const PUBLISH_TIMEOUT_MS = 5_000
const STDERR_LINES_KEPT = 20

/** The registry the member processes read through the test process. */
export interface ChurnRegistry {
  getAuthorizedWallets(): Promise<string[]>
  getBootstrapNodes(): Promise<BootstrapNode[]>
}

/** What a member last reported about itself (every second). */
export interface MemberStatus {
  /** Connected peers. */
  peers: number
  /** Peers GossipSub knows as subscribers of the topic. */
  topicPeers: number
  /** Open connections (a crashed peer's dead one counts until it times out). */
  connections: number
  /** GossipSub links the node repaired (see @depin/infrastructure `pubsubLinks`). */
  linkRepairs: number
}

/** One running member process, as the test sees it. */
export interface MemberProcess {
  readonly pid: number
  readonly ready: boolean
  /** When the member last became ready (Unix ms), undefined while not ready. */
  readonly readySince: number | undefined
  readonly quicPort: number | undefined
  readonly tcpPort: number | undefined
  readonly running: boolean
  readonly stderr: readonly string[]
  /** The member's last status report (peers and topic subscribers it knows), if any yet. */
  readonly status: MemberStatus | undefined
  publish(message: unknown): Promise<void>
  /** Graceful stop (disconnect), then SIGKILL if it does not exit in time. Idempotent. */
  stop(): Promise<void>
  /** Kills at once (a crash). */
  kill(): Promise<void>
}

export interface SpawnMemberOptions {
  secretKey: string
  databaseName: string
  topic: string
  host: string
  ports: { quic: number; tcp: number }
  registry: ChurnRegistry
  /** Catch up from this time on start (a restart). */
  catchUpSinceMs?: number
  /** Automatic catch-up (the library default) or not. @default true */
  catchUp?: boolean
  onEvent(message: unknown, replayed: boolean): void
}

/** Starts a member process (`churn-child.ts` on this Node) and resolves once it listens. */
export async function spawnMember(options: SpawnMemberOptions): Promise<MemberProcess> {
  const child: ChildProcess = spawn(process.execPath, [CHILD_PATH], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // The compile cache roughly halves a member's start-up (module loading dominates it).
    env: { ...process.env, NODE_NO_WARNINGS: '1', NODE_COMPILE_CACHE: join(tmpdir(), 'depin-churn-cache') },
  })
  let running = true
  let ready = false
  let readySince: number | undefined
  let listening: { quicPort: number | undefined; tcpPort: number | undefined } | undefined
  let failure: string | undefined
  let status: MemberStatus | undefined
  const stderr: string[] = []
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false
      ready = false
      readySince = undefined
      failure ??= `exited (${signal ?? code})`
      resolve()
    })
  })
  child.once('error', (err) => {
    failure ??= err.message
  })
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line.trim() === '') continue
      stderr.push(line)
      if (stderr.length > STDERR_LINES_KEPT) stderr.shift()
    }
  })
  const sendToChild = (message: ChurnParentMessage): void => {
    if (child.connected) child.send(message)
  }
  let nextPublish = 0
  const publishes = new Map<number, (error?: string) => void>()
  child.on('message', (message: ChurnChildMessage) => {
    switch (message.type) {
      case 'listening':
        listening = { quicPort: message.quicPort, tcpPort: message.tcpPort }
        break
      case 'ask': {
        const read =
          message.what === 'wallets'
            ? options.registry.getAuthorizedWallets()
            : options.registry.getBootstrapNodes()
        read.then(
          (value) => sendToChild({ type: 'answer', id: message.id, value }),
          (err: unknown) =>
            sendToChild({
              type: 'answer',
              id: message.id,
              error: err instanceof Error ? err.message : String(err),
            }),
        )
        break
      }
      case 'readiness':
        if (message.ready && !ready) readySince = message.at
        if (!message.ready) readySince = undefined
        ready = message.ready
        break
      case 'event':
        options.onEvent(message.message, message.replayed)
        break
      case 'published':
        publishes.get(message.id)?.(message.error)
        break
      case 'failed':
        failure = message.message
        break
      case 'status': {
        const { type: _, ...reported } = message
        status = reported
        break
      }
    }
  })
  child.once('spawn', () =>
    sendToChild({
      type: 'start',
      secretKey: options.secretKey,
      databaseName: options.databaseName,
      topic: options.topic,
      host: options.host,
      ports: options.ports,
      catchUp: options.catchUp ?? true,
      ...(options.catchUpSinceMs === undefined ? {} : { catchUpSinceMs: options.catchUpSinceMs }),
    }),
  )

  const kill = async (): Promise<void> => {
    if (running) child.kill('SIGKILL')
    await exited
  }
  let stopped: Promise<void> | undefined
  const member: MemberProcess = {
    pid: child.pid ?? -1,
    get ready() {
      return ready
    },
    get readySince() {
      return readySince
    },
    get quicPort() {
      return listening?.quicPort
    },
    get tcpPort() {
      return listening?.tcpPort
    },
    get running() {
      return running
    },
    stderr,
    get status() {
      return status
    },
    publish(message) {
      const id = nextPublish++
      return new Promise<void>((resolve, reject) => {
        const timeout = setTimeout(() => done(`no answer in ${PUBLISH_TIMEOUT_MS} ms`), PUBLISH_TIMEOUT_MS)
        const done = (error?: string): void => {
          clearTimeout(timeout)
          publishes.delete(id)
          if (error === undefined) resolve()
          else reject(new Error(`publish failed: ${error}`))
        }
        publishes.set(id, done)
        sendToChild({ type: 'publish', id, message })
      })
    },
    stop() {
      stopped ??= (async () => {
        if (!running) return
        sendToChild({ type: 'stop' })
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
        await exited
        clearTimeout(timer)
      })()
      return stopped
    },
    kill,
  }
  try {
    await waitFor(() => listening !== undefined || !running || failure !== undefined, {
      timeoutMs: LISTEN_TIMEOUT_MS,
      intervalMs: 25,
      message: 'member listening',
    })
    if (listening === undefined) throw new Error(`member failed: ${failure}`)
  } catch (err) {
    await kill()
    const reason = err instanceof Error ? err.message : String(err)
    throw new Error(`member on ${options.host} failed to start: ${reason}\n${stderr.join('\n')}`)
  }
  return member
}
