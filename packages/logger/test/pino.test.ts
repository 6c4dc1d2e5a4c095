import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { createPinoLogger, type PinoLike } from '../src/index.js'
import { captureStream } from './fixtures/capture.js'

function pinoToCapture(level: pino.Level = 'debug') {
  const destination = captureStream()
  const instance = pino({ level }, destination)
  return { destination, instance, logger: createPinoLogger(instance) }
}

describe('createPinoLogger', () => {
  it('accepts a real pino instance and a child of one', () => {
    const instance = pino({ enabled: false })
    const asPinoLike: PinoLike = instance
    const child: PinoLike = instance.child({ module: 'gater' })
    expect(createPinoLogger(asPinoLike)).toBeDefined()
    expect(createPinoLogger(child)).toBeDefined()
  })

  it('writes the message as msg and the key/values as fields, at pino levels', () => {
    const { destination, logger } = pinoToCapture()
    logger.debug('d', 'a', 1)
    logger.info('peer connected', 'peer', '12D3KooWAbc', 'count', 3, 'ctx', { nested: true })
    logger.warn('w')
    logger.error('e')
    const lines = destination.json()
    expect(lines.map((l) => l.level)).toEqual([20, 30, 40, 50])
    expect(lines[1]).toMatchObject({
      msg: 'peer connected',
      peer: '12D3KooWAbc',
      count: 3,
      ctx: { nested: true },
    })
    expect(typeof lines[1]?.time).toBe('number')
  })

  it("puts an Error under err, where pino's serializer writes type, message and stack", () => {
    const { destination, logger } = pinoToCapture()
    const err = Object.assign(new Error('dial refused'), { code: 'ERR_DIAL' })
    logger.error('dial failed', 'peer', 'p1', 'error', err)
    logger.warn('bare error', err)
    logger.warn('err key', 'err', err)
    const [viaError, viaBare, viaErr] = destination.json()
    for (const line of [viaError, viaBare, viaErr]) {
      expect(line?.err).toMatchObject({ type: 'Error', message: 'dial refused', code: 'ERR_DIAL' })
      expect((line?.err as { stack?: string } | undefined)?.stack).toContain('Error: dial refused')
    }
    expect(viaError).toMatchObject({ peer: 'p1', msg: 'dial failed' })
    expect(viaError).not.toHaveProperty('error')
  })

  it('serializes a second Error under its own key instead of writing {}', () => {
    const { destination, logger } = pinoToCapture()
    logger.error('two errors', 'err', new Error('first'), 'previous', new RangeError('second'))
    const [line] = destination.json()
    expect(line?.err).toMatchObject({ message: 'first' })
    expect(line?.previous).toMatchObject({ name: 'RangeError', message: 'second' })
  })

  it("honours pino's level and skips building the line below it", () => {
    const { destination, logger } = pinoToCapture('warn')
    logger.debug('no')
    logger.info('no')
    logger.warn('yes')
    expect(destination.json().map((l) => l.msg)).toEqual(['yes'])
    expect(logger.isLevelEnabled?.('info')).toBe(false)
    expect(logger.isLevelEnabled?.('error')).toBe(true)
  })

  it('does not interpret printf specifiers in the message', () => {
    const { destination, logger } = pinoToCapture()
    logger.info('100% done %s %d', 'k', 'v')
    expect(destination.json()[0]?.msg).toBe('100% done %s %d')
  })

  it('handles odd key/value lists, cycles and BigInt without throwing', () => {
    const { destination, logger } = pinoToCapture()
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = cyclic
    expect(() => logger.info('odd', 'a', 1, 'orphan')).not.toThrow()
    expect(() => logger.info('values', 'cyclic', cyclic, 'big', 2n ** 70n, 7, 'seven')).not.toThrow()
    const [odd, values] = destination.json()
    expect(odd).toMatchObject({ a: 1, '!BADKEY': 'orphan' })
    expect(values).toMatchObject({ cyclic: { name: 'loop', self: '[Circular]' }, 7: 'seven' })
    expect(values?.big).toBe((2n ** 70n).toString())
  })
})
