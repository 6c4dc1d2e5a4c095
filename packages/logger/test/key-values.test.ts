import { describe, expect, it } from 'vitest'
import { createConsoleLogger } from '../src/index.js'
import { toKeyValuePairs } from '../src/key-values.js'
import { captureStream } from './fixtures/capture.js'

describe('odd key/value lists', () => {
  it('pairs keys with values', () => {
    expect(toKeyValuePairs(['a', 1, 'b', 'two'])).toEqual([
      ['a', 1],
      ['b', 'two'],
    ])
  })

  it("writes a trailing key without value under '!BADKEY', as slog does", () => {
    expect(toKeyValuePairs(['a', 1, 'orphan'])).toEqual([
      ['a', 1],
      ['!BADKEY', 'orphan'],
    ])
    expect(toKeyValuePairs(['orphan'])).toEqual([['!BADKEY', 'orphan']])
  })

  it('stringifies a non-string key', () => {
    const sym = Symbol('s')
    expect(toKeyValuePairs([42, 'v', null, 'n', sym, 's', { a: 1 }, 'o'])).toEqual([
      ['42', 'v'],
      ['null', 'n'],
      ['Symbol(s)', 's'],
      ['[object Object]', 'o'],
    ])
  })

  it('survives a key whose String() throws', () => {
    const hostile = Object.create(null) as object
    expect(toKeyValuePairs([hostile, 'v'])).toEqual([['!BADKEY', 'v']])
  })

  it("takes a bare Error in key position as an 'err' field that consumes only itself", () => {
    const err = new Error('x')
    expect(toKeyValuePairs([err, 'peer', 'p1'])).toEqual([
      ['err', err],
      ['peer', 'p1'],
    ])
  })

  it('keeps a __proto__ key as a plain field in JSON output', () => {
    const stream = captureStream()
    createConsoleLogger({ stream, format: 'json' }).info('m', '__proto__', { polluted: true }, 'a', 1)
    const line = JSON.parse(stream.lines()[0] ?? '{}')
    expect(Object.keys(line)).toContain('a')
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
  })

  it('writes odd lists readably in both console formats', () => {
    const json = captureStream()
    const pretty = captureStream()
    createConsoleLogger({ stream: json, format: 'json' }).info('m', 'a', 1, 7, 'seven', 'orphan')
    createConsoleLogger({ stream: pretty }).info('m', 'a', 1, 7, 'seven', 'orphan')
    expect(json.json()[0]).toMatchObject({ a: 1, 7: 'seven', '!BADKEY': 'orphan' })
    expect(pretty.lines()[0]).toMatch(/ m a=1 7=seven !BADKEY=orphan$/)
  })
})
