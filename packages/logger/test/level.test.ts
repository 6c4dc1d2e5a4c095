import { describe, expect, it } from 'vitest'
import { isLevelEnabled, logLevels, noopLogger, parseLogLevel } from '../src/index.js'

describe('parseLogLevel', () => {
  it.each([
    ['debug', 'debug'],
    [' INFO ', 'info'],
    ['Warn', 'warn'],
    ['warning', 'warn'],
    ['error', 'error'],
  ])('parses %j as %s', (text, level) => {
    expect(parseLogLevel(text)).toBe(level)
  })

  it.each(['', 'trace', 'verbose', 'fatal'])('rejects %j with a TypeError listing the levels', (text) => {
    expect(() => parseLogLevel(text)).toThrow(TypeError)
    expect(() => parseLogLevel(text)).toThrow(`expected one of ${logLevels.join(', ')}`)
  })

  it('rejects a non-string without crashing on it', () => {
    expect(() => parseLogLevel(undefined as unknown as string)).toThrow('Invalid log level "undefined"')
  })
})

describe('isLevelEnabled', () => {
  it('is true for a logger that cannot tell, false for the noop logger', () => {
    const plain = { debug() {}, info() {}, warn() {}, error() {} }
    expect(isLevelEnabled(plain, 'debug')).toBe(true)
    expect(isLevelEnabled(noopLogger, 'error')).toBe(false)
  })

  it('is true when the logger throws while answering', () => {
    const broken = {
      ...noopLogger,
      isLevelEnabled: () => {
        throw new Error('no')
      },
    }
    expect(isLevelEnabled(broken, 'info')).toBe(true)
  })
})
