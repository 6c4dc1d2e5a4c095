import { describe, expect, it } from 'vitest'
import { createConsoleLogger, createLiveKitLogger, noopLogger, withFields } from '../src/index.js'
import { captureStream, recordingLogger } from './fixtures/capture.js'

describe('withFields', () => {
  it('prepends the bound key/values to every call, at every level', () => {
    const base = recordingLogger()
    const child = withFields(base, 'database', 'my-depin')
    child.debug('d', 'a', 1)
    child.info('i')
    child.warn('w', 'b', 2)
    child.error('e')
    expect(base.calls).toEqual([
      { level: 'debug', msg: 'd', keyValues: ['database', 'my-depin', 'a', 1] },
      { level: 'info', msg: 'i', keyValues: ['database', 'my-depin'] },
      { level: 'warn', msg: 'w', keyValues: ['database', 'my-depin', 'b', 2] },
      { level: 'error', msg: 'e', keyValues: ['database', 'my-depin'] },
    ])
  })

  it('nests: outer fields first, then inner, then the call', () => {
    const stream = captureStream()
    const root = createConsoleLogger({ stream, format: 'json', fields: { node: 'n1' } })
    const topic = withFields(withFields(root, 'database', 'db'), 'topic', 'rooms')
    topic.info('joined', 'peers', 2)
    expect(stream.chunks.join('')).toContain('"node":"n1","database":"db","topic":"rooms","peers":2}')
  })

  it('normalizes an odd bound list so it does not swallow the first key of a call', () => {
    const base = recordingLogger()
    withFields(base, 'a', 1, 'orphan').info('m', 'k', 'v')
    expect(base.calls[0]?.keyValues).toEqual(['a', 1, '!BADKEY', 'orphan', 'k', 'v'])
  })

  it('works over the LiveKit adapter: the bound fields reach kv, the error still becomes err', () => {
    const seen: unknown[][] = []
    const lk = {
      debugw: () => {},
      infow: () => {},
      warnw: (...args: unknown[]) => seen.push(args),
      errorw: () => {},
    }
    const err = new Error('x')
    withFields(createLiveKitLogger(lk), 'room', 'r1').warn('m', 'error', err)
    expect(seen).toEqual([['m', err, 'room', 'r1']])
  })

  it("forwards the base logger's level check, and never throws", () => {
    expect(withFields(noopLogger, 'a', 1).isLevelEnabled?.('error')).toBe(false)
    const level = withFields(createConsoleLogger({ stream: captureStream(), level: 'warn' }), 'a', 1)
    expect(level.isLevelEnabled?.('info')).toBe(false)
    expect(level.isLevelEnabled?.('warn')).toBe(true)
    expect(withFields(recordingLogger(), 'a', 1).isLevelEnabled).toBeUndefined()
    const throwing = {
      ...noopLogger,
      info: () => {
        throw new Error('down')
      },
    }
    expect(() => withFields(throwing, 'a', 1).info('m')).not.toThrow()
  })
})
