import type { Connection, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { timeoutSignal } from './abort.js'
import { isRelayed } from './address-order.js'
import { isQuic } from './bootstrap.js'

/** The ping protocol (@libp2p/ping's), which every node serves for its DHT. */
export const PING_PROTOCOL = '/ipfs/ping/1.0.0'
/** The name of the error {@link pingRtt} rejects with when no answer came within its timeout. */
export const PING_TIMEOUT_ERROR = 'PingTimeoutError'
const PING_LENGTH = 32

/**
 * Pings the peer of `connection` once over a new ping stream (on limited connections too) and
 * returns the round trip of the 32 bytes in ms: the exchange alone, not the stream's negotiation,
 * as libp2p's ping and connection monitor measure it. Rejects after `timeoutMs` (an error named
 * {@link PING_TIMEOUT_ERROR}), or with `stop`'s reason when it aborts; the stream is closed either way.
 */
export async function pingRtt(connection: Connection, stop: AbortSignal, timeoutMs: number): Promise<number> {
  const attempt = timeoutSignal(stop, timeoutMs, () =>
    Object.assign(new Error(`no ping answer in ${timeoutMs} ms`), { name: PING_TIMEOUT_ERROR }),
  )
  let stream: Stream | undefined
  try {
    stream = await connection.newStream(PING_PROTOCOL, {
      signal: attempt.signal,
      runOnLimitedConnection: true,
    })
    const started = performance.now()
    await echo(stream, attempt.signal)
    const rtt = performance.now() - started
    await stream.close({ signal: attempt.signal }).catch(() => stream?.abort(new Error('ping done')))
    return rtt
  } catch (err) {
    stream?.abort(err instanceof Error ? err : new Error('ping failed'))
    throw err
  } finally {
    attempt.clear()
  }
}

/** Sends 32 random bytes and waits for the same 32 back (the ping protocol). */
export async function echo(stream: Stream, signal: AbortSignal): Promise<void> {
  const sent = crypto.getRandomValues(new Uint8Array(PING_LENGTH))
  const received = new Uint8Array(PING_LENGTH)
  let length = 0
  await new Promise<void>((resolve, reject) => {
    const finish = (error?: Error): void => {
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('close', onClose)
      signal.removeEventListener('abort', onAbort)
      if (error === undefined) resolve()
      else reject(error)
    }
    const onMessage = (event: { data: Uint8Array | { subarray(): Uint8Array } }): void => {
      const chunk = event.data instanceof Uint8Array ? event.data : event.data.subarray()
      const take = Math.min(chunk.length, PING_LENGTH - length)
      received.set(chunk.subarray(0, take), length)
      length += take
      if (length < PING_LENGTH) return
      finish(received.every((byte, i) => byte === sent[i]) ? undefined : new Error('wrong ping answer'))
    }
    const onClose = (): void => finish(new Error('ping stream closed before the answer'))
    const onAbort = (): void => finish(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
    if (signal.aborted) return onAbort()
    stream.addEventListener('message', onMessage)
    stream.addEventListener('close', onClose)
    signal.addEventListener('abort', onAbort, { once: true })
    stream.send(sent)
  })
}

/** A direct QUIC connection's address (not through a relay): QUIC keeps its RTT and liveness itself. */
export function isDirectQuic(addr: Multiaddr): boolean {
  return isQuic(addr) && !isRelayed(addr)
}

/**
 * The RTT (ms) a direct QUIC connection's transport keeps itself (QUIC's smoothed RTT from its
 * acknowledgements, whole ms; libp2p's `Connection.rtt` with this repo's patches of libp2p and
 * @chainsafe/libp2p-quic), or `undefined` for any other connection, which is pinged instead.
 *
 * Why not a ping: every ping opens a QUIC stream, and each native call the stream makes wakes the
 * event loop through its own libuv async handle, and libuv walks every async handle of the loop on
 * each wake-up (one per pending native call: a read per open stream, an accept per connection). With
 * 25 nodes of ~45 peers on one thread (~4,500 handles), that walk was 27% of the CPU of an idle
 * 50-node testnet, and a ping cost ~7 ms of CPU instead of ~1.7 ms between two nodes
 * (bench/README.md, "Idle CPU at scale").
 */
export function transportRtt(connection: Connection): number | undefined {
  if (!isDirectQuic(connection.remoteAddr)) return undefined
  const rtt: unknown = connection.rtt
  return typeof rtt === 'number' && Number.isFinite(rtt) && rtt >= 0 ? rtt : undefined
}
