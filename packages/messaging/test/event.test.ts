import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createEvent, decodeEvent, encodeEvent, InvalidMessageError } from '../src/index.js'

const GO_FIXTURE =
  '{"id":"3b241101-e2bb-4255-8caf-4136c566a962","from_peer":"12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf","message":{"room":"r1","n":7},"timestamp":1764000000}'
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('event codec', () => {
  it('decodes the Go implementation bytes', () => {
    expect(decodeEvent(bytes(GO_FIXTURE))).toEqual({
      ok: true,
      event: {
        id: '3b241101-e2bb-4255-8caf-4136c566a962',
        fromPeerId: '12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf',
        message: { room: 'r1', n: 7 },
        timestamp: 1764000000,
      },
    })
  })

  it('encodes exactly the Go keys, in the Go order', () => {
    const event = {
      ...createEvent('12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf', { room: 'r1', n: 7 }),
    }
    event.id = '3b241101-e2bb-4255-8caf-4136c566a962'
    event.timestamp = 1764000000
    const text = new TextDecoder().decode(encodeEvent(event))
    expect(text).toBe(GO_FIXTURE)
    expect(Object.keys(JSON.parse(text))).toEqual(['id', 'from_peer', 'message', 'timestamp'])
  })

  it('creates events with a UUID v4 and Unix seconds', () => {
    const event = createEvent('peer', 1, 1_764_000_000_999)
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(event.timestamp).toBe(1_764_000_000)
  })

  it('ignores unknown keys and maps a missing message to null', () => {
    const result = decodeEvent(bytes('{"id":"a","from_peer":"p","timestamp":1,"extra":[1,2]}'))
    expect(result).toEqual({ ok: true, event: { id: 'a', fromPeerId: 'p', message: null, timestamp: 1 } })
  })

  it.each([
    ['not json', 'not-json'],
    ['', 'not-json'],
    ['[1,2]', 'not-object'],
    ['null', 'not-object'],
    ['"text"', 'not-object'],
    ['{"from_peer":"p","timestamp":1}', 'missing-id'],
    ['{"id":"","from_peer":"p","timestamp":1}', 'missing-id'],
    ['{"id":7,"from_peer":"p","timestamp":1}', 'missing-id'],
    ['{"id":"a","timestamp":1}', 'invalid-from-peer'],
    ['{"id":"a","from_peer":"p"}', 'invalid-timestamp'],
    ['{"id":"a","from_peer":"p","timestamp":"1"}', 'invalid-timestamp'],
    ['{"id":"a","from_peer":"p","timestamp":1.5}', 'invalid-timestamp'],
  ])('rejects %j as %s', (text, reason) => {
    expect(decodeEvent(bytes(text))).toEqual({ ok: false, reason })
  })

  it('refuses to encode what JSON cannot carry', () => {
    expect(() => encodeEvent(createEvent('p', { n: 1n }))).toThrow(InvalidMessageError)
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => encodeEvent(createEvent('p', cyclic))).toThrow(InvalidMessageError)
    expect(new TextDecoder().decode(encodeEvent(createEvent('p', undefined)))).toContain('"message":null')
  })

  it('round-trips any JSON message', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ minLength: 1 }), fc.nat(), (message, id, timestamp) => {
        const event = {
          id,
          fromPeerId: '12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf',
          message,
          timestamp,
        }
        const decoded = decodeEvent(encodeEvent(event))
        expect(decoded.ok).toBe(true)
        // JSON normalises -0 to 0; compare through JSON as the wire does.
        if (decoded.ok) expect(JSON.stringify(decoded.event.message)).toBe(JSON.stringify(message))
      }),
    )
  })
})
