import { describe, expect, it } from 'vitest'
import { createLiveKitLogger, type LiveKitLike } from '../src/index.js'

interface LiveKitCall {
  method: 'debugw' | 'infow' | 'warnw' | 'errorw'
  msg: string
  err?: Error | undefined
  keyValues: unknown[]
}

/** A LiveKit-style logger that records what it is called with (arity included). */
function fakeLiveKit(): LiveKitLike & { calls: LiveKitCall[]; arities: number[] } {
  const calls: LiveKitCall[] = []
  const arities: number[] = []
  const keyed =
    (method: 'debugw' | 'infow') =>
    (...args: unknown[]): void => {
      arities.push(args.length)
      calls.push({ method, msg: args[0] as string, keyValues: args.slice(1) })
    }
  const withError =
    (method: 'warnw' | 'errorw') =>
    (...args: unknown[]): void => {
      arities.push(args.length)
      calls.push({
        method,
        msg: args[0] as string,
        err: args[1] as Error | undefined,
        keyValues: args.slice(2),
      })
    }
  return {
    calls,
    arities,
    debugw: keyed('debugw'),
    infow: keyed('infow'),
    warnw: withError('warnw'),
    errorw: withError('errorw'),
  }
}

describe('createLiveKitLogger', () => {
  it('passes debug and info key/values through unchanged', () => {
    const lk = fakeLiveKit()
    const logger = createLiveKitLogger(lk)
    const err = new Error('kept as a value')
    logger.debug('d', 'a', 1, 'error', err)
    logger.info('i', 'peer', 'p1')
    expect(lk.calls).toEqual([
      { method: 'debugw', msg: 'd', keyValues: ['a', 1, 'error', err] },
      { method: 'infow', msg: 'i', keyValues: ['peer', 'p1'] },
    ])
  })

  it("takes the Error of an 'error' or 'err' key as the err argument and drops that pair", () => {
    const lk = fakeLiveKit()
    const logger = createLiveKitLogger(lk)
    const err = new Error('refused')
    logger.warn('dial failed', 'peer', 'p1', 'error', err, 'attempt', 2)
    logger.error('refresh failed', 'err', err)
    expect(lk.calls).toEqual([
      { method: 'warnw', msg: 'dial failed', err, keyValues: ['peer', 'p1', 'attempt', 2] },
      { method: 'errorw', msg: 'refresh failed', err, keyValues: [] },
    ])
  })

  it('takes a bare Error value as err', () => {
    const lk = fakeLiveKit()
    const err = new TypeError('bad frame')
    createLiveKitLogger(lk).error('decode failed', err, 'topic', 'rooms')
    expect(lk.calls).toEqual([{ method: 'errorw', msg: 'decode failed', err, keyValues: ['topic', 'rooms'] }])
  })

  it('takes an Error under another key as err but keeps the pair, so its key is not lost', () => {
    const lk = fakeLiveKit()
    const err = new Error('timeout')
    createLiveKitLogger(lk).warn('slow', 'lastFailure', err)
    expect(lk.calls).toEqual([{ method: 'warnw', msg: 'slow', err, keyValues: ['lastFailure', err] }])
  })

  it("prefers the 'error' key over other Errors", () => {
    const lk = fakeLiveKit()
    const first = new Error('other')
    const chosen = new Error('chosen')
    createLiveKitLogger(lk).warn('m', 'other', first, 'error', chosen)
    expect(lk.calls[0]).toMatchObject({ err: chosen, keyValues: ['other', first] })
  })

  it("passes err undefined when there is no Error, always in warnw/errorw's second position", () => {
    const lk = fakeLiveKit()
    const logger = createLiveKitLogger(lk)
    logger.warn('no error', 'error', 'a string, not an Error')
    logger.error('nothing')
    expect(lk.calls).toEqual([
      { method: 'warnw', msg: 'no error', err: undefined, keyValues: ['error', 'a string, not an Error'] },
      { method: 'errorw', msg: 'nothing', err: undefined, keyValues: [] },
    ])
    expect(lk.arities).toEqual([4, 2])
  })

  it('does not throw when the LiveKit logger throws', () => {
    const throwing = (): never => {
      throw new Error('sink down')
    }
    const logger = createLiveKitLogger({
      debugw: throwing,
      infow: throwing,
      warnw: throwing,
      errorw: throwing,
    })
    expect(() => {
      logger.debug('d')
      logger.info('i')
      logger.warn('w', new Error('x'))
      logger.error('e')
    }).not.toThrow()
  })
})
