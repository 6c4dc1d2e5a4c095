import { describe, expect, it } from 'vitest'
import { fromSeqnoFastMsgId } from '../src/gossipsub-defaults.js'
import { GOSSIPSUB_DEFAULTS } from '../src/index.js'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

describe('fast message id (duplicates dropped before signature checks)', () => {
  it('is on by default', () => {
    expect(GOSSIPSUB_DEFAULTS.fastMsgIdFn).toBe(fromSeqnoFastMsgId)
  })

  it('is equal exactly when from and seqno are equal, whatever the data or signature', () => {
    const base = { from: bytes(0, 36, 8, 1), seqno: bytes(0, 0, 0, 0, 0, 0, 0, 7), topic: 't' }
    const id = fromSeqnoFastMsgId({ ...base, data: bytes(1), signature: bytes(9) })
    expect(fromSeqnoFastMsgId({ ...base, data: bytes(2), signature: bytes(8) })).toBe(id)
    expect(fromSeqnoFastMsgId({ ...base, seqno: bytes(0, 0, 0, 0, 0, 0, 0, 8) })).not.toBe(id)
    expect(fromSeqnoFastMsgId({ ...base, from: bytes(0, 36, 8, 2) })).not.toBe(id)
    // No shift between the two fields can make two different messages collide.
    expect(fromSeqnoFastMsgId({ from: bytes(1, 2), seqno: bytes(3), topic: 't' })).not.toBe(
      fromSeqnoFastMsgId({ from: bytes(1), seqno: bytes(2, 3), topic: 't' }),
    )
  })

  it('gives messages without from or seqno (invalid under StrictSign) an id no valid message has', () => {
    const valid = fromSeqnoFastMsgId({ from: bytes(1), seqno: bytes(2), topic: 't' })
    for (const msg of [{ topic: 't' }, { from: bytes(1), topic: 't' }, { seqno: bytes(2), topic: 't' }]) {
      const id = fromSeqnoFastMsgId(msg)
      expect(id).toBe('')
      expect(id).not.toBe(valid)
    }
  })
})
