import { describe, expect, it } from 'vitest'
import { createConsoleLogger } from '../src/index.js'
import { toJsonValue } from '../src/json-value.js'
import { captureStream } from './fixtures/capture.js'

function jsonLine(...keyValues: unknown[]): Record<string, unknown> {
  const stream = captureStream()
  createConsoleLogger({ stream, format: 'json' }).info('m', ...keyValues)
  const [line] = stream.json()
  if (line === undefined) throw new Error('no line written')
  return line
}

describe('JSON values', () => {
  it('writes cyclic objects with [Circular] and keeps repeated (non-cyclic) references', () => {
    const shared = { id: 1 }
    const cyclic: Record<string, unknown> = { shared, again: shared }
    cyclic.self = cyclic
    const list: unknown[] = [1]
    list.push(list)
    expect(jsonLine('obj', cyclic, 'list', list)).toMatchObject({
      obj: { shared: { id: 1 }, again: { id: 1 }, self: '[Circular]' },
      list: [1, '[Circular]'],
    })
  })

  it('writes BigInt as a decimal string, NaN and Infinity as strings', () => {
    expect(jsonLine('big', 2n ** 64n, 'nan', Number.NaN, 'inf', Number.POSITIVE_INFINITY)).toMatchObject({
      big: '18446744073709551616',
      nan: 'NaN',
      inf: 'Infinity',
    })
  })

  it('writes bytes as base64, Maps and Sets as objects and arrays, Dates via toJSON', () => {
    expect(
      jsonLine(
        'bytes',
        Uint8Array.from([1, 2, 3]),
        'map',
        new Map<unknown, unknown>([
          ['a', 1],
          [2, 'b'],
        ]),
        'set',
        new Set([1, 2]),
        'date',
        new Date('2026-01-01T00:00:00.000Z'),
      ),
    ).toMatchObject({
      bytes: 'AQID',
      map: { a: 1, 2: 'b' },
      set: [1, 2],
      date: '2026-01-01T00:00:00.000Z',
    })
  })

  it('writes class instances with their own toString (PeerId, Multiaddr) as that string', () => {
    class Addr {
      toString(): string {
        return '/ip4/127.0.0.1/tcp/1'
      }
    }
    expect(jsonLine('addr', new Addr())).toMatchObject({ addr: '/ip4/127.0.0.1/tcp/1' })
  })

  it('bounds depth and size', () => {
    let deep: Record<string, unknown> = { leaf: true }
    for (let i = 0; i < 50; i++) deep = { deep }
    expect(JSON.stringify(toJsonValue(deep))).toContain('"[Object]"')
    const long = Array.from({ length: 1500 }, (_, i) => i)
    const converted = toJsonValue(long) as unknown[]
    expect(converted).toHaveLength(1001)
    expect(converted.at(-1)).toBe('[… 500 more items]')
  })

  it('writes throwing getters and toJSON as markers instead of throwing', () => {
    const hostile = {
      get boom(): never {
        throw new Error('getter')
      },
      ok: 1,
    }
    const badJson = {
      toJSON(): never {
        throw new Error('toJSON')
      },
    }
    expect(jsonLine('hostile', hostile, 'badJson', badJson)).toMatchObject({
      hostile: { boom: '[Unreadable]', ok: 1 },
      badJson: '[Unserializable]',
    })
  })

  it('serializes a cyclic error cause chain without looping', () => {
    const a = new Error('a')
    const b = new Error('b', { cause: a })
    ;(a as { cause?: unknown }).cause = b
    const line = jsonLine('err', b)
    expect(line.err).toMatchObject({ message: 'b', cause: { message: 'a', cause: '[Circular]' } })
  })
})
