import { describe, expect, it } from 'vitest'
import { describeValue } from '../src/index.js'

describe('describeValue', () => {
  it.each([
    [70000, '70000'],
    [Number.NaN, 'NaN'],
    [true, 'true'],
    [undefined, 'undefined'],
    [null, 'null'],
    [12n, '12n'],
    ['4001', '"4001"'],
    ['say "hi"\n', '"say \\"hi\\"\\n"'],
    [Symbol('s'), 'a symbol'],
    [() => 1, 'a function'],
    [[1, 2, 3], 'an array of 3'],
    [new Uint8Array(32), '32 bytes'],
    [{ a: 1 }, 'an object'],
  ])('renders %o as %s', (value, shown) => {
    expect(describeValue(value)).toBe(shown)
  })

  it('never calls a hostile toString, valueOf or Symbol.toPrimitive', () => {
    const boom = () => {
      throw new Error('boom')
    }
    for (const value of [
      { toString: 0 },
      { toString: boom, valueOf: boom },
      { [Symbol.toPrimitive]: boom },
      Object.create(null),
    ]) {
      expect(describeValue(value)).toBe('an object')
    }
  })

  it('cuts long strings at 64 characters', () => {
    expect(describeValue('x'.repeat(1000))).toBe(`"${'x'.repeat(64)}…"`)
  })
})
