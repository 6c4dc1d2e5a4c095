import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  DEPIN_ERROR_BRAND,
  DepinError,
  type DepinErrorCode,
  InvalidConfigError,
  isDepinError,
} from '../src/index.js'

describe('isDepinError', () => {
  it('is true for a DepinError and its subclasses, with or without their code', () => {
    const err = new InvalidConfigError([{ field: 'a', message: 'b' }])
    expect(isDepinError(err)).toBe(true)
    expect(isDepinError(err, 'INVALID_CONFIG')).toBe(true)
    expect(isDepinError(new DepinError('NOT_READY', 'x'), 'NOT_READY')).toBe(true)
  })

  it('is false for another code', () => {
    expect(isDepinError(new DepinError('NOT_READY', 'x'), 'NODE_STOPPED')).toBe(false)
  })

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'INVALID_CONFIG'],
    ['a number', 42],
    ['a symbol', Symbol('x')],
    ['a function', () => {}],
    ['a plain Error', new Error('INVALID_CONFIG')],
    ['an Error with a catalogue code', Object.assign(new Error('x'), { code: 'INVALID_CONFIG' })],
    ['a look-alike object', { name: 'DepinError', code: 'INVALID_CONFIG', message: 'x', shortMessage: 'x' }],
    ['an object without a prototype', Object.create(null)],
    ['a brand that is not true', { [DEPIN_ERROR_BRAND]: 'yes', code: 'INVALID_CONFIG' }],
  ])('is false for %s', (_, value) => {
    expect(isDepinError(value)).toBe(false)
    expect(isDepinError(value, 'INVALID_CONFIG')).toBe(false)
  })

  it('never throws, even for a hostile proxy', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('get')
        },
        getPrototypeOf: () => {
          throw new Error('getPrototypeOf')
        },
      },
    )
    expect(isDepinError(hostile)).toBe(false)
    expect(isDepinError(hostile, 'INVALID_CONFIG')).toBe(false)
  })

  it('recognises an error from another copy of the package by its brand', () => {
    // What a second installed version of @depin/errors produces: another class, the same brand.
    class OtherCopyError extends Error {
      readonly code = 'NOT_READY'
    }
    Object.defineProperty(OtherCopyError.prototype, Symbol.for('@depin/errors.DepinError'), { value: true })
    const err = new OtherCopyError('x')
    expect(err instanceof DepinError).toBe(false)
    expect(isDepinError(err)).toBe(true)
    expect(isDepinError(err, 'NOT_READY')).toBe(true)
    expect(isDepinError(err, 'NODE_STOPPED')).toBe(false)
  })

  it('narrows to the class of the code, or to DepinError with that code', () => {
    const err: unknown = new InvalidConfigError([])
    if (isDepinError(err, 'INVALID_CONFIG')) {
      expectTypeOf(err).toExtend<InvalidConfigError>()
      expectTypeOf(err.code).toEqualTypeOf<'INVALID_CONFIG'>()
      expect(err.issues).toEqual([])
    }
    if (isDepinError(err)) expectTypeOf(err.code).toEqualTypeOf<DepinErrorCode>()
    const other: unknown = new DepinError('NOT_READY', 'x')
    // NOT_READY's class is in @depin/infrastructure, not loaded here: the fallback type.
    if (isDepinError(other, 'NOT_READY')) expectTypeOf(other).toExtend<DepinError<'NOT_READY'>>()
  })
})
