import { InvalidMessageError } from './errors.js'

/**
 * One pub/sub event, as handlers receive it and `publish` returns it. On the wire it is the Go
 * implementation's JSON: `{"id","from_peer","message","timestamp"}`.
 */
export interface PubSubEvent<T = unknown> {
  /** A UUID v4 chosen by the publisher. */
  id: string
  /** The PeerId (`12D3KooW…`) of the node that published the event. */
  fromPeerId: string
  /** The application payload: any JSON value. */
  message: T
  /** When the event was published, Unix time in whole seconds. */
  timestamp: number
  /**
   * Set on an event delivered by a catch-up (it was published while this node was away, and a
   * peer's history supplied it, its author's signature checked). Never on the wire.
   */
  replayed?: true
}

/** Why a received payload is not a valid event. */
export type EventDecodeFailure =
  | 'not-json'
  | 'not-object'
  | 'missing-id'
  | 'invalid-from-peer'
  | 'invalid-timestamp'

/** The result of {@link decodeEvent}. */
export type DecodeEventResult = { ok: true; event: PubSubEvent } | { ok: false; reason: EventDecodeFailure }

const textEncoder = new TextEncoder()
// Not fatal: Go's encoding/json replaces invalid UTF-8 with U+FFFD instead of failing.
const textDecoder = new TextDecoder()

/**
 * A new event from `fromPeerId` carrying `message`, with a fresh UUID v4 and the current time.
 *
 * @example
 * const event = createEvent(node.peerId.toString(), { room: 'r1' })
 */
export function createEvent<T>(fromPeerId: string, message: T, nowMs: number = Date.now()): PubSubEvent<T> {
  return { id: crypto.randomUUID(), fromPeerId, message, timestamp: Math.floor(nowMs / 1000) }
}

/**
 * Serialises an event exactly as the Go implementation does (same key names and order:
 * `id`, `from_peer`, `message`, `timestamp`). Throws {@link InvalidMessageError} when the
 * message is not JSON-serialisable (a BigInt, a cycle, a function).
 *
 * @example
 * const bytes = encodeEvent(createEvent(peerId, { hello: 'world' }))
 */
export function encodeEvent(event: PubSubEvent): Uint8Array {
  let text: string | undefined
  try {
    text = JSON.stringify({
      id: event.id,
      from_peer: event.fromPeerId,
      // Go marshals a nil interface as null; JSON.stringify would drop an undefined key instead.
      message: event.message === undefined ? null : event.message,
      timestamp: event.timestamp,
    })
  } catch (cause) {
    throw new InvalidMessageError('the message is not JSON-serialisable', { cause })
  }
  if (text === undefined) throw new InvalidMessageError('the message is not JSON-serialisable')
  return textEncoder.encode(text)
}

/**
 * Parses an event received on the wire. Unknown keys are ignored; a missing or empty `id`, a
 * missing `from_peer`, or a timestamp that is not a whole number is a failure with a reason
 * (the Go receiver drops such events too).
 *
 * @example
 * const result = decodeEvent(message.data)
 * if (result.ok) console.log(result.event.message)
 */
export function decodeEvent(data: Uint8Array): DecodeEventResult {
  let parsed: unknown
  try {
    parsed = JSON.parse(textDecoder.decode(data))
  } catch {
    return { ok: false, reason: 'not-json' }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, reason: 'not-object' }
  }
  const record = parsed as Record<string, unknown>
  const id = record.id
  if (typeof id !== 'string' || id.length === 0) return { ok: false, reason: 'missing-id' }
  const fromPeer = record.from_peer
  if (typeof fromPeer !== 'string' || fromPeer.length === 0) return { ok: false, reason: 'invalid-from-peer' }
  const timestamp = record.timestamp
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp)) {
    return { ok: false, reason: 'invalid-timestamp' }
  }
  return {
    ok: true,
    event: {
      id,
      fromPeerId: fromPeer,
      message: record.message === undefined ? null : record.message,
      timestamp,
    },
  }
}
