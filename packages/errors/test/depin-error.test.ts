import { describe, expect, it } from 'vitest'
import {
  DEPIN_ERROR_BRAND,
  DepinError,
  InvalidConfigError,
  messageErrorClass,
  reasonErrorClass,
} from '../src/index.js'

describe('DepinError', () => {
  it('keeps code, shortMessage, details and cause; appends details to the message', () => {
    const cause = new Error('low level')
    const err = new DepinError('NOT_READY', 'Something failed', { details: 'more', cause })
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('DepinError')
    expect(err.code).toBe('NOT_READY')
    expect(err.shortMessage).toBe('Something failed')
    expect(err.details).toBe('more')
    expect(err.message).toBe('Something failed\n\nDetails: more')
    expect(err.cause).toBe(cause)
  })

  it('has the short message alone, and no cause, when given neither', () => {
    const err = new DepinError('NOT_READY', 'Something failed')
    expect(err.message).toBe('Something failed')
    expect(err.details).toBeUndefined()
    expect(err.cause).toBeUndefined()
  })

  it('carries the brand on its prototype, not as an own (enumerable) property', () => {
    const err = new DepinError('NOT_READY', 'x')
    expect((err as unknown as Record<symbol, unknown>)[DEPIN_ERROR_BRAND]).toBe(true)
    expect(Object.getOwnPropertySymbols(err)).toEqual([])
    expect(JSON.stringify({ ...err })).not.toContain('brand')
  })
})

describe('reasonErrorClass / messageErrorClass', () => {
  class ReasonError extends reasonErrorClass('INVALID_TOPIC', 'ReasonError', 'Invalid topic') {}
  class StoppedError extends messageErrorClass(
    'NODE_STOPPED',
    'StoppedError',
    (action) => `Cannot ${action}: stopped`,
  ) {}

  it('makes a named subclass whose message is `prefix: reason`', () => {
    const cause = new Error('x')
    const err = new ReasonError('it is empty', { cause, details: 'd' })
    expect(err).toBeInstanceOf(ReasonError)
    expect(err).toBeInstanceOf(DepinError)
    expect(err.name).toBe('ReasonError')
    expect(ReasonError.name).toBe('ReasonError')
    expect(err.code).toBe('INVALID_TOPIC')
    expect(err.shortMessage).toBe('Invalid topic: it is empty')
    expect(err.message).toBe('Invalid topic: it is empty\n\nDetails: d')
    expect(err.cause).toBe(cause)
  })

  it('makes a named subclass whose message is made from its one argument', () => {
    const err = new StoppedError('publish', { details: 'd' })
    expect(err).toBeInstanceOf(StoppedError)
    expect(err.name).toBe('StoppedError')
    expect(err.code).toBe('NODE_STOPPED')
    expect(err.shortMessage).toBe('Cannot publish: stopped')
    expect(err.message).toBe('Cannot publish: stopped\n\nDetails: d')
  })
})

describe('InvalidConfigError', () => {
  it('lists every issue in its message and keeps them', () => {
    const issues = [
      { field: 'databaseName', message: 'must be a non-empty string' },
      { field: 'listenPorts.quic', message: 'must be a port' },
    ]
    const err = new InvalidConfigError(issues)
    expect(err.name).toBe('InvalidConfigError')
    expect(err.code).toBe('INVALID_CONFIG')
    expect(err.issues).toBe(issues)
    expect(err.message).toBe(
      'Invalid configuration: databaseName must be a non-empty string; listenPorts.quic must be a port',
    )
  })
})
