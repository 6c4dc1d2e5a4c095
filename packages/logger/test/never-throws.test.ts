import pino from 'pino'
import { describe, expect, it } from 'vitest'
import {
  createConsoleLogger,
  createLibp2pLogBridge,
  createLiveKitLogger,
  createPinoLogger,
  type Logger,
  noopLogger,
  withFields,
} from '../src/index.js'

const cyclic: Record<string, unknown> = {}
cyclic.self = cyclic
const hostileError = new Error('hostile')
Object.defineProperty(hostileError, 'stack', {
  get(): never {
    throw new Error('stack getter')
  },
})
const nasty: unknown[] = [
  'big',
  10n,
  'cyclic',
  cyclic,
  Symbol('key'),
  Symbol('value'),
  'hostileError',
  hostileError,
  'nullProto',
  Object.create(null),
  'fn',
  () => 1,
  'orphan',
]

const throwingStream = {
  write(): never {
    throw new Error('EPIPE')
  },
}

const adapters: [string, () => Logger][] = [
  ['console pretty', () => createConsoleLogger({ level: 'debug', stream: { write: () => true } })],
  [
    'console json',
    () => createConsoleLogger({ level: 'debug', format: 'json', stream: { write: () => true } }),
  ],
  ['console, throwing stream', () => createConsoleLogger({ level: 'debug', stream: throwingStream })],
  ['pino', () => createPinoLogger(pino({ level: 'debug' }, { write: () => {} }))],
  ['pino, throwing stream', () => createPinoLogger(pino({ level: 'debug' }, throwingStream))],
  [
    'livekit',
    () =>
      createLiveKitLogger({
        debugw: () => {},
        infow: () => {},
        warnw: () => {},
        errorw: () => {},
      }),
  ],
  ['noop', () => noopLogger],
  [
    'withFields over console json',
    () => withFields(createConsoleLogger({ format: 'json', stream: { write: () => true } }), ...nasty),
  ],
]

describe('a logger never throws into its caller', () => {
  it.each(adapters)('%s', (_name, create) => {
    const logger = create()
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      expect(() => logger[level]('message', ...nasty)).not.toThrow()
      expect(() => logger[level](undefined as unknown as string)).not.toThrow()
      expect(() => logger[level]({ not: 'a string' } as unknown as string, 1)).not.toThrow()
    }
  })

  it('the libp2p bridge does not throw when the logger or a formatter argument throws', () => {
    const throwing: Logger = {
      ...noopLogger,
      isLevelEnabled: () => true,
      debug: () => {
        throw new Error('down')
      },
    }
    const log = createLibp2pLogBridge(throwing).forComponent('libp2p:test')
    const badToString = {
      toString(): never {
        throw new Error('toString')
      },
    }
    expect(() => log('peer %p', badToString)).not.toThrow()
    expect(() => log.error('err %e', hostileError)).not.toThrow()
    expect(() =>
      createLibp2pLogBridge(noopLogger, {
        enabledComponents: () => {
          throw new Error('filter')
        },
      }).forComponent('x')('m'),
    ).not.toThrow()
  })
})
