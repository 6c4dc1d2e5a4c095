import type { Logger } from '@depin/logger'
import { generateWallets, waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { connect, InvalidConfigError } from '../src/index.js'
import {
  bootstrapEntryOf,
  createDatabaseTracker,
  createInMemoryRegistry,
  testConfig,
} from './fixtures/network.js'

const dbs = createDatabaseTracker()
afterEach(() => dbs.disconnectAll())

/** Ten minutes: within a test, only a pushed change can make the gater read the registry again. */
const NEVER = 600_000

function recordingLogger(): Logger & { lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = []
  const at = (level: string) => (msg: string) => {
    lines.push({ level, msg })
  }
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

describe('watchRegistry', () => {
  it('a pushed change disconnects a revoked wallet at once, without waiting for the refresh interval', {
    timeout: 30_000,
  }, async () => {
    const [a, b] = generateWallets(2)
    const atA = createInMemoryRegistry([a!.wallet, b!.wallet])
    let notify: (() => void) | undefined
    let watchSignal: AbortSignal | undefined
    const first = await dbs.connect(
      testConfig(a!, 'watch', atA, [], {
        refreshIntervalMs: NEVER,
        watchRegistry: ({ onChange, signal }) => {
          notify = onChange
          watchSignal = signal
        },
      }),
    )
    const second = await dbs.connect(
      testConfig(b!, 'watch', createInMemoryRegistry([a!.wallet, b!.wallet]), [
        bootstrapEntryOf(first, a!.wallet),
      ]),
    )
    await first.waitUntilReady({ timeoutMs: 15_000 })
    expect(first.peers()).toContain(second.peerId)
    expect(notify).toBeTypeOf('function')
    const reads = (): number => {
      const calls = first.metrics().gater.registryCalls
      return calls.refresh + calls.miss
    }
    const readsBefore = reads()

    atA.remove(b!.wallet)
    notify!()
    // A second notice during the read asks for one more read after it, never a parallel one.
    notify!()
    await waitFor(() => !first.peers().includes(second.peerId), {
      timeoutMs: 10_000,
      message: 'the revoked wallet disconnected after the pushed change',
    })
    expect(first.metrics().gater.revocations).toBe(1)
    // The second read may be a miss read already in flight (the revoked peer redialling at once).
    await waitFor(() => reads() >= readsBefore + 2, { message: 'the read asked for during the first one' })

    expect(watchSignal?.aborted).toBe(false)
    await first.disconnect()
    expect(watchSignal?.aborted).toBe(true)
    // A notice after disconnect is ignored (no read on a stopped gater, no throw).
    expect(() => notify!()).not.toThrow()
  })

  it('a watcher that throws is logged, and the database still connects', async () => {
    const [a] = generateWallets(1)
    const logger = recordingLogger()
    const db = await dbs.connect(
      testConfig(a!, 'watch-throws', createInMemoryRegistry([a!.wallet]), [], {
        logger,
        watchRegistry: () => {
          throw new Error('no websocket')
        },
      }),
    )
    expect(db.databaseName).toBe('watch-throws')
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg.startsWith('watchRegistry threw'))).toBe(true)
  })

  it('rejects a watchRegistry that is not a function, naming the field', async () => {
    const [a] = generateWallets(1)
    const config = testConfig(a!, 'watch-bad', createInMemoryRegistry([a!.wallet]), [], {
      watchRegistry: 'ws://127.0.0.1:1' as never,
    })
    const err = await connect(config).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidConfigError)
    expect((err as InvalidConfigError).issues.map((i) => i.field)).toEqual(['watchRegistry'])
  })
})
