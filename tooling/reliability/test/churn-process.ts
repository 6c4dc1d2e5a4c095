import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BootstrapNode } from '@depin/pubsub'
import { answerAsks, spawnNodeProcess } from '@depin/test-utils/node-process'
import type { ChurnChildMessage, ChurnParentMessage } from './churn-child.js'

const CHILD_URL = new URL('./churn-child.ts', import.meta.url)
const LISTEN_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 6_000
const PUBLISH_TIMEOUT_MS = 5_000
const STDERR_LINES_KEPT = 20

/** The registry the member processes read through the test process. */
export interface ChurnRegistry {
  getAuthorizedWallets(): Promise<string[]>
  getBootstrapNodes(): Promise<BootstrapNode[]>
}

/** What a member last reported about itself (every second): see `churn-child.ts`. */
export type MemberStatus = Omit<Extract<ChurnChildMessage, { type: 'status' }>, 'type'>

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
  /**
   * The last `resumeFrom()` its subscription reported (with an event, or every second): what an
   * application would have stored, to catch up from after a restart.
   */
  readonly resumeFrom: number | undefined
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
  const proc = spawnNodeProcess<ChurnParentMessage, ChurnChildMessage>({
    script: CHILD_URL,
    // The compile cache roughly halves a member's start-up (module loading dominates it).
    env: { NODE_NO_WARNINGS: '1', NODE_COMPILE_CACHE: join(tmpdir(), 'depin-churn-cache') },
    stderrLines: STDERR_LINES_KEPT,
  })
  let ready = false
  let readySince: number | undefined
  let status: MemberStatus | undefined
  let resumeFrom: number | undefined
  answerAsks<'wallets' | 'bootstrap'>(proc, (what) =>
    what === 'wallets' ? options.registry.getAuthorizedWallets() : options.registry.getBootstrapNodes(),
  )
  proc.onMessage((message) => {
    switch (message.type) {
      case 'readiness':
        if (message.ready && !ready) readySince = message.at
        if (!message.ready) readySince = undefined
        ready = message.ready
        break
      case 'event':
        options.onEvent(message.message, message.replayed)
        resumeFrom = message.resumeFrom ?? resumeFrom
        break
      case 'status': {
        const { type: _, ...reported } = message
        status = reported
        resumeFrom = message.resumeFrom ?? resumeFrom
        break
      }
    }
  })
  void proc.exited.then(() => {
    ready = false
    readySince = undefined
  })
  proc.send({
    type: 'start',
    secretKey: options.secretKey,
    databaseName: options.databaseName,
    topic: options.topic,
    host: options.host,
    ports: options.ports,
    catchUp: options.catchUp ?? true,
    ...(options.catchUpSinceMs === undefined ? {} : { catchUpSinceMs: options.catchUpSinceMs }),
  })
  let listening: Extract<ChurnChildMessage, { type: 'listening' }>
  try {
    listening = await proc.ready('listening', {
      timeoutMs: LISTEN_TIMEOUT_MS,
      what: 'member listening',
      failed: (m) => (m.type === 'failed' ? `member failed: ${m.message}` : undefined),
    })
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new Error(`member on ${options.host} failed to start: ${reason}\n${proc.stderr.join('\n')}`)
  }
  return {
    pid: proc.pid,
    get ready() {
      return ready
    },
    get readySince() {
      return readySince
    },
    quicPort: listening.quicPort,
    tcpPort: listening.tcpPort,
    get running() {
      return proc.running
    },
    stderr: proc.stderr,
    get status() {
      return status
    },
    get resumeFrom() {
      return resumeFrom
    },
    async publish(message) {
      const answer = await proc.request('published', (id) => ({ type: 'publish', id, message }), {
        timeoutMs: PUBLISH_TIMEOUT_MS,
        what: 'publish',
      })
      if (answer.error !== undefined) throw new Error(`publish failed: ${answer.error}`)
    },
    stop: () => proc.stop({ message: { type: 'stop' }, timeoutMs: STOP_TIMEOUT_MS }),
    kill: () => proc.kill(),
  }
}
