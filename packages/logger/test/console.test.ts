import { describe, expect, it } from 'vitest'
import { createConsoleLogger } from '../src/index.js'
import { captureStream, fixedClock } from './fixtures/capture.js'

describe('createConsoleLogger, pretty', () => {
  it('writes one readable line per call with time, level, message and key=value fields', () => {
    const stream = captureStream()
    const logger = createConsoleLogger({ stream, now: fixedClock })
    logger.info('peer connected', 'peer', '12D3KooWAbc', 'count', 3, 'addr', '/ip4/127.0.0.1/tcp/4002')
    logger.warn('slow handler', 'topic', 'my rooms', 'ok', true, 'none', null)
    expect(stream.lines()).toEqual([
      '2026-11-25T12:00:00.000Z INFO  peer connected peer=12D3KooWAbc count=3 addr=/ip4/127.0.0.1/tcp/4002',
      '2026-11-25T12:00:00.000Z WARN  slow handler topic="my rooms" ok=true none=null',
    ])
  })

  it('writes objects as JSON and errors as name: message with the stack indented below', () => {
    const stream = captureStream()
    const logger = createConsoleLogger({ stream, now: fixedClock })
    const err = new Error('boom', { cause: new TypeError('inner') })
    logger.error('refresh failed', 'error', err, 'ctx', { a: [1, 2] })
    const [first, ...rest] = stream.lines()
    expect(first).toBe('2026-11-25T12:00:00.000Z ERROR refresh failed error="Error: boom" ctx={"a":[1,2]}')
    expect(rest[0]).toBe('    Error: boom')
    expect(rest.some((line) => line.startsWith('    caused by: TypeError: inner'))).toBe(true)
    expect(rest.every((line) => line.startsWith('    '))).toBe(true)
  })

  it('escapes line breaks so a message cannot forge another line', () => {
    const stream = captureStream()
    createConsoleLogger({ stream, now: fixedClock }).info('a\nINFO fake', 'k', 'x\ny')
    expect(stream.lines()).toEqual(['2026-11-25T12:00:00.000Z INFO  a\\nINFO fake k="x\\ny"'])
  })
})

describe('createConsoleLogger, json', () => {
  it('writes one JSON object per line: time, level, msg, then the fields', () => {
    const stream = captureStream()
    const logger = createConsoleLogger({ stream, format: 'json', now: fixedClock, fields: { node: 'n1' } })
    logger.info('peer connected', 'peer', '12D3KooWAbc', 'count', 3)
    expect(stream.lines()).toEqual([
      '{"time":"2026-11-25T12:00:00.000Z","level":"info","msg":"peer connected","node":"n1","peer":"12D3KooWAbc","count":3}',
    ])
  })

  it('serializes errors with name, message, stack, code, cause and extra properties', () => {
    const stream = captureStream()
    const logger = createConsoleLogger({ stream, format: 'json', now: fixedClock })
    const cause = Object.assign(new Error('ECONNREFUSED 127.0.0.1:4002'), { code: 'ECONNREFUSED' })
    class RegistryError extends Error {
      override name = 'RegistryError'
      readonly code = 'REGISTRY_UNAVAILABLE'
      readonly details = { attempt: 2 }
    }
    logger.error('refresh failed', 'err', new RegistryError('registry did not answer', { cause }))
    const [line] = stream.json()
    expect(line).toMatchObject({
      level: 'error',
      msg: 'refresh failed',
      err: {
        name: 'RegistryError',
        message: 'registry did not answer',
        code: 'REGISTRY_UNAVAILABLE',
        details: { attempt: 2 },
        cause: { name: 'Error', message: 'ECONNREFUSED 127.0.0.1:4002', code: 'ECONNREFUSED' },
      },
    })
    expect((line?.err as { stack?: string } | undefined)?.stack).toContain(
      'RegistryError: registry did not answer',
    )
  })

  it('serializes AggregateError inner errors', () => {
    const stream = captureStream()
    createConsoleLogger({ stream, format: 'json' }).warn(
      'all dials failed',
      'error',
      new AggregateError([new Error('quic'), new Error('tcp')], 'no address reachable'),
    )
    const err = stream.json()[0]?.error as { name: string; errors: { message: string }[] }
    expect(err.name).toBe('AggregateError')
    expect(err.errors.map((e) => e.message)).toEqual(['quic', 'tcp'])
  })

  it('does not let a field overwrite time, level or msg', () => {
    const stream = captureStream()
    createConsoleLogger({ stream, format: 'json', now: fixedClock }).info('m', 'level', 'x', 'msg', 'y')
    expect(stream.json()).toEqual([
      { time: '2026-11-25T12:00:00.000Z', level: 'info', msg: 'm', 'fields.level': 'x', 'fields.msg': 'y' },
    ])
  })
})

describe('createConsoleLogger, level filter', () => {
  it('defaults to info: debug is dropped', () => {
    const stream = captureStream()
    const logger = createConsoleLogger({ stream, format: 'json' })
    logger.debug('d')
    logger.info('i')
    logger.warn('w')
    logger.error('e')
    expect(stream.json().map((l) => l.level)).toEqual(['info', 'warn', 'error'])
    expect(logger.isLevelEnabled?.('debug')).toBe(false)
    expect(logger.isLevelEnabled?.('info')).toBe(true)
  })

  it.each([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
  ] as const)('level %s writes %j', (level, expected) => {
    const stream = captureStream()
    const logger = createConsoleLogger({ stream, format: 'json', level })
    for (const l of ['debug', 'info', 'warn', 'error'] as const) logger[l](l)
    expect(stream.json().map((l) => l.msg)).toEqual(expected)
  })

  it('rejects an unknown level or format when created, naming the bad value', () => {
    // @ts-expect-error a JavaScript caller can pass anything
    expect(() => createConsoleLogger({ level: 'verbose' })).toThrow(/Invalid log level "verbose"/)
    // @ts-expect-error a JavaScript caller can pass anything
    expect(() => createConsoleLogger({ format: 'xml' })).toThrow(/Invalid console logger format "xml"/)
  })
})
