import { format } from 'node:util'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logger as libp2pLogger, enable as libp2pLoggerEnable } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { beforeAll, describe, expect, it } from 'vitest'
import { formatLibp2pMessage } from '../src/libp2p-format.js'

/** What @libp2p/logger itself prints for a call, without its timestamp and namespace prefix. */
function libp2pOutput(formatter: unknown, ...args: unknown[]): string {
  const name = `depin:format-reference:${Math.random().toString(36).slice(2)}`
  let printed: unknown[] = []
  libp2pLoggerEnable(name)
  const log = libp2pLogger(name, {
    onLog: (...formatted: unknown[]) => (printed = formatted),
  }) as unknown as {
    (...a: unknown[]): void
    log: (...a: unknown[]) => void
    useColors: boolean
  }
  log.log = () => {}
  log.useColors = false
  log(formatter, ...args)
  const line = format(...(printed as [unknown, ...unknown[]]))
  return line.slice(line.indexOf(`${name} `) + name.length + 1)
}

let peerId: Awaited<ReturnType<typeof peerIdFromPrivateKey>>
let cid: CID

beforeAll(async () => {
  peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  cid = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('depin')))
})

describe('formatLibp2pMessage matches @libp2p/logger', () => {
  const bytes = Uint8Array.from([0, 0, 1, 2, 3, 250, 251, 252, 253, 254, 255])
  const cases: [string, () => [unknown, ...unknown[]]][] = [
    ['plain text', () => ['node started']],
    ['%s with a string and a number', () => ['dialing %s attempt %s', 'peer-a', 3]],
    ['%d', () => ['%d connections', 12]],
    ['%p peer id', () => ['connected to %p', peerId]],
    ['%a multiaddr', () => ['listening on %a', multiaddr('/ip4/127.0.0.1/tcp/4002')]],
    ['%c CID', () => ['providing %c', cid]],
    ['%b base58btc', () => ['key %b', bytes]],
    ['%t base32', () => ['key %t', bytes]],
    ['%m base64', () => ['key %m', bytes]],
    ['%e error', () => ['dial failed: %e', new Error('ECONNREFUSED')]],
    [
      '%e AggregateError',
      () => ['all failed: %e', new AggregateError([new Error('a'), new Error('b')], 'both')],
    ],
    ['%% escape', () => ['100%% done %s', 'now']],
    ['null arguments to libp2p specifiers', () => ['%p %a %b %e', undefined, null, undefined, null]],
    ['extra string arguments appended', () => ['closing', 'stream', 'abc']],
    ['an Error as the formatter', () => [new Error('thrown')]],
    ['an unknown specifier is kept', () => ['odd %z %s', 'x']],
    ['percent signs that are not specifiers', () => ['100% of %s, 50 % more, %- ok, trailing %', 'peers']],
    ['adjacent specifiers and escapes', () => ['%z%s%% %d%%', 'a', 7]],
    ['more specifiers than arguments', () => ['%s and %s then %p', 'one']],
  ]
  it.each(cases)('%s', (_name, call) => {
    const [formatter, ...args] = call()
    expect(formatLibp2pMessage(formatter, args)).toBe(libp2pOutput(formatter, ...args))
  })
})

describe('formatLibp2pMessage, where @libp2p/logger is quirky', () => {
  it("prints '%%' followed by a letter as a percent sign and the letter", () => {
    // @libp2p/logger turns '%%d' into '%d' and util.format then consumes an argument for it.
    expect(formatLibp2pMessage('%%d %s', ['x'])).toBe('%d x')
  })
})

describe('formatLibp2pMessage, values util.inspect would print', () => {
  it('prints %o / %j objects as single-line JSON and objects with toString as that string', () => {
    expect(formatLibp2pMessage('state %o', [{ peers: 2, ok: true }])).toBe('state {"peers":2,"ok":true}')
    expect(formatLibp2pMessage('state %j', [{ a: [1] }])).toBe('state {"a":[1]}')
    expect(formatLibp2pMessage('peer %o', [peerId])).toBe(`peer ${peerId.toString()}`)
    expect(formatLibp2pMessage('bytes %o', [Uint8Array.from([1, 2])])).toBe('bytes Uint8Array(2) [ 1, 2 ]')
  })

  it('prints a non-string formatter and the arguments after it', () => {
    expect(formatLibp2pMessage({ a: 1 }, ['x', 2])).toBe('{"a":1} x 2')
  })

  it('does not throw on cycles, BigInt or hostile toString', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const hostile = {
      toString(): never {
        throw new Error('no')
      },
    }
    expect(formatLibp2pMessage('%o %d %j', [cyclic, 5n, cyclic])).toBe(
      '{"self":"[Circular]"} 5n {"self":"[Circular]"}',
    )
    expect(formatLibp2pMessage('%p', [hostile])).toBe('[unprintable]')
  })
})
