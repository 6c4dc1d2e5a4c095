import { createTestLibp2p, generateWallet, waitFor } from '@depin/test-utils'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { afterEach, describe, expect, it } from 'vitest'
import { PING_PROTOCOL } from '../src/ping.js'

// Reproduces, against the pinned libp2p, the rule that upstream/connection-monitor-failures/fix.patch
// changes (see upstream/README.md): libp2p's own connection monitor aborts a connection on its first
// failed ping. The monitor is asked for 3 failures in a row with the option the fix adds; the pinned
// version ignores it. When this test fails on a libp2p upgrade, read the assertion message first.
const LANDED =
  "the upstream fix has landed: libp2p's connection monitor honours maxPingFailures, and src/connection-monitor.ts may give way to it (upstream/connection-monitor-failures/README.md)"

const nodes: Libp2p[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((node) => node.stop()))
})

/** Answers pings (32 bytes echoed), except the ones it is told to leave unanswered. */
function pingHandler(): { handler: (stream: Stream) => void; stallNext: number; stalled: Stream[] } {
  const state = {
    stallNext: 0,
    stalled: [] as Stream[],
    handler(stream: Stream): void {
      if (state.stallNext > 0) {
        state.stallNext--
        state.stalled.push(stream)
        return
      }
      stream.addEventListener('message', (event) => {
        stream.send(event.data)
      })
      stream.addEventListener('remoteCloseWrite', () => {
        void stream
          .close()
          .catch((err: unknown) => stream.abort(err instanceof Error ? err : new Error('close')))
      })
    },
  }
  return state
}

describe("upstream bug: libp2p's connection monitor aborts a connection on its first failed ping", () => {
  it('is still there (if this fails: the upstream fix has landed, see upstream/connection-monitor-failures)', async () => {
    const monitored = await createTestLibp2p({
      privateKey: generateWallet().identity.privateKey,
      transports: ['tcp'],
      options: {
        connectionMonitor: {
          pingInterval: 200,
          pingTimeout: { minTimeout: 300, maxTimeout: 300 },
          // The option the fix adds; the pinned libp2p does not know it.
          ...{ maxPingFailures: 3 },
        },
      },
    })
    const peer = await createTestLibp2p({
      privateKey: generateWallet().identity.privateKey,
      transports: ['tcp'],
      options: { connectionMonitor: { enabled: false } },
    })
    nodes.push(monitored, peer)
    const ping = pingHandler()
    await peer.handle(PING_PROTOCOL, ping.handler, { runOnLimitedConnection: true })

    const connection: Connection = await monitored.dial(peer.getMultiaddrs()[0]!)
    await waitFor(() => connection.rtt !== undefined, { message: 'a first ping answered' })

    // One ping goes unanswered (a busy peer); every later one is answered at once.
    ping.stallNext = 1
    const aborted = await waitFor(() => connection.status !== 'open', { timeoutMs: 4_000 }).then(
      () => true,
      () => false,
    )
    for (const stream of ping.stalled) stream.abort(new Error('test over'))
    expect(ping.stalled.length).toBe(1)
    expect(aborted, LANDED).toBe(true)
  })
})
