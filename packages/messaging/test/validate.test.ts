import type { Message } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { type EventValidationOptions, validateEventMessage } from '../src/index.js'

const SIGNER = '12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf'
const OTHER = '12D3KooWK9gFJ62z9cGSiz5PfP2Abhu1Ty8xmB6GvE85doqPGS2L'
const encoder = new TextEncoder()

function signed(body: unknown): Message {
  const data = typeof body === 'string' ? encoder.encode(body) : encoder.encode(JSON.stringify(body))
  return { type: 'signed', from: peerIdFromString(SIGNER), topic: 'db_t', data } as unknown as Message
}

const base: EventValidationOptions = {
  maxMessageBytes: 1024,
  isAuthorized: () => true,
  authorizationTimeoutMs: 100,
}
const event = { id: 'x', from_peer: SIGNER, message: { a: 1 }, timestamp: 5 }

describe('validateEventMessage', () => {
  it('accepts a well-formed event from an authorized signer', async () => {
    expect(await validateEventMessage(signed(event), base)).toEqual({
      result: 'accept',
      event: { id: 'x', fromPeerId: SIGNER, message: { a: 1 }, timestamp: 5 },
    })
  })

  it.each([
    ['too-large', signed({ ...event, message: 'y'.repeat(2000) })],
    ['not-json', signed('{')],
    ['missing-id', signed({ ...event, id: '' })],
    ['from-peer-mismatch', signed({ ...event, from_peer: '12D3KooWSomeoneElse' })],
    // A valid PeerId, but not the signer's.
    ['from-peer-mismatch', signed({ ...event, from_peer: OTHER })],
    // The signer's PeerId, but not in its canonical base58 form (applications compare strings).
    ['from-peer-mismatch', signed({ ...event, from_peer: peerIdFromString(SIGNER).toCID().toString() })],
    ['unsigned', { type: 'unsigned', topic: 'db_t', data: encoder.encode(JSON.stringify(event)) } as Message],
  ])('rejects %s', async (reason, message) => {
    expect(await validateEventMessage(message, base)).toEqual({ result: 'reject', reason })
  })

  it('matches from_peer against the signer every time, also once the string is remembered', async () => {
    for (let round = 0; round < 3; round++) {
      expect((await validateEventMessage(signed(event), base)).result).toBe('accept')
      expect(await validateEventMessage(signed({ ...event, from_peer: OTHER }), base)).toEqual({
        result: 'reject',
        reason: 'from-peer-mismatch',
      })
    }
  })

  it('rejects an unauthorized signer, after the cheap checks only', async () => {
    let calls = 0
    const isAuthorized = (): boolean => {
      calls++
      return false
    }
    expect(await validateEventMessage(signed(event), { ...base, isAuthorized })).toEqual({
      result: 'reject',
      reason: 'unauthorized',
    })
    await validateEventMessage(signed('junk'), { ...base, isAuthorized })
    expect(calls).toBe(1)
  })

  it('ignores when the authorization check throws, hangs past its timeout, or is aborted', async () => {
    const ignore = { result: 'ignore', reason: 'authorization-unavailable' }
    expect(
      await validateEventMessage(signed(event), {
        ...base,
        isAuthorized: () => Promise.reject(new Error('down')),
      }),
    ).toEqual(ignore)
    expect(
      await validateEventMessage(signed(event), {
        ...base,
        authorizationTimeoutMs: 20,
        isAuthorized: () => new Promise(() => {}),
      }),
    ).toEqual(ignore)
    expect(
      await validateEventMessage(signed(event), {
        ...base,
        signal: AbortSignal.abort(),
        isAuthorized: () => new Promise(() => {}),
      }),
    ).toEqual(ignore)
  })
})

describe('validateEventMessage with a cached fast path', () => {
  it('skips the async check when the cache says yes, and falls back to it otherwise', async () => {
    let asyncCalls = 0
    const isAuthorized = (): boolean => {
      asyncCalls++
      return false
    }
    const accepted = await validateEventMessage(signed(event), {
      ...base,
      isAuthorized,
      isAuthorizedCached: () => true,
    })
    expect(accepted.result).toBe('accept')
    expect(asyncCalls).toBe(0)
    const rejected = await validateEventMessage(signed(event), {
      ...base,
      isAuthorized,
      isAuthorizedCached: () => false,
    })
    expect(rejected).toEqual({ result: 'reject', reason: 'unauthorized' })
    expect(asyncCalls).toBe(1)
  })
})
