import { Keypair } from '@solana/web3.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type BootstrapNode,
  bootstrapNodeToMultiaddrs,
  encodeBase58,
  InvalidBootstrapNodeError,
  InvalidSecretKeyError,
  parseSecretKey,
  type SecretKeyInput,
} from '../src/index.js'
import { VECTOR_PEER_ID, VECTOR_SECRET_KEY, VECTOR_WALLET } from './vector.js'

const NUM_RUNS = 1000

/** Runs `fn`; passes if it returns or throws an instance of `errorClass`, fails on any other throw. */
function returnsOrThrows(errorClass: new (...args: never[]) => Error, fn: () => unknown): boolean {
  try {
    fn()
    return true
  } catch (err) {
    if (err instanceof errorClass) return true
    throw new Error(`threw ${err instanceof Error ? err.name : typeof err}, not ${errorClass.name}`)
  }
}

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 100 }),
  fc.uint8Array({ minLength: 64, maxLength: 64 }),
  // Near-valid keys: the vector with a few bytes changed.
  fc
    .array(fc.tuple(fc.nat({ max: 63 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 })
    .map((edits) => {
      const key = Uint8Array.from(VECTOR_SECRET_KEY)
      for (const [index, value] of edits) key[index] = value
      return key
    }),
)

const numberArrays = fc.oneof(
  fc.array(fc.integer({ min: -5, max: 300 }), { maxLength: 100 }),
  fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.double(), fc.string(), fc.constant(null)), {
    minLength: 64,
    maxLength: 64,
  }),
  fc.array(fc.anything(), { maxLength: 70 }),
)

const secretKeyInputs: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom(...'123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz') }),
  bytes,
  bytes.map((b) => encodeBase58(b)),
  bytes.map((b) => JSON.stringify(Array.from(b))),
  bytes.map((b) => ({ secretKey: b })),
  numberArrays,
  numberArrays.map((a) => JSON.stringify(a) ?? ''),
  fc.json(),
  fc.anything(),
  fc.anything().map((secretKey) => ({ secretKey })),
)

describe('property: parseSecretKey', () => {
  it(`returns an identity or throws InvalidSecretKeyError, for ${NUM_RUNS} arbitrary inputs`, () => {
    fc.assert(
      fc.property(secretKeyInputs, (input) =>
        returnsOrThrows(InvalidSecretKeyError, () => parseSecretKey(input as SecretKeyInput)),
      ),
      { numRuns: NUM_RUNS },
    )
  })

  it(`accepts every valid key in every form, for ${NUM_RUNS} random seeds`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const keypair = Keypair.fromSeed(seed)
        const wallet = keypair.publicKey.toBase58()
        for (const form of [
          keypair.secretKey,
          encodeBase58(keypair.secretKey),
          Array.from(keypair.secretKey),
        ]) {
          expect(parseSecretKey(form).wallet).toBe(wallet)
        }
      }),
      { numRuns: NUM_RUNS },
    )
  })
})

const ports = fc.oneof(
  fc.integer({ min: 0, max: 65535 }),
  fc.integer(),
  fc.double(),
  fc.constant(undefined),
  fc.constant(null),
  fc.anything(),
)

const hosts = fc.oneof(
  fc.ipV4(),
  fc.ipV4Extended(),
  fc.ipV6(),
  fc.ipV6().map((ip) => `[${ip}]`),
  fc.domain(),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.anything(),
)

const publicKeys = fc.oneof(
  fc.constant(VECTOR_WALLET),
  fc.uint8Array({ minLength: 30, maxLength: 34 }),
  fc.string(),
  fc.anything(),
)

describe('property: bootstrapNodeToMultiaddrs', () => {
  it(`returns multiaddrs or throws InvalidBootstrapNodeError, for ${NUM_RUNS} arbitrary records`, () => {
    const records = fc.oneof(
      fc.record({ publicKey: publicKeys, ip: hosts, quicPort: ports, tcpPort: ports }, { requiredKeys: [] }),
      fc.anything(),
    )
    fc.assert(
      fc.property(records, (node) =>
        returnsOrThrows(InvalidBootstrapNodeError, () => bootstrapNodeToMultiaddrs(node as BootstrapNode)),
      ),
      { numRuns: NUM_RUNS },
    )
  })

  it(`turns every valid IPv4/IPv6/DNS record into QUIC-first multiaddrs, for ${NUM_RUNS} records`, () => {
    const port = fc.integer({ min: 1, max: 65535 })
    const records = fc.record({
      ip: fc.oneof(
        fc.ipV4(),
        fc.ipV6(),
        fc.ipV6().map((ip) => `[${ip}]`),
        fc.domain(),
      ),
      quicPort: fc.option(port, { nil: undefined }),
      tcpPort: fc.option(port, { nil: undefined }),
    })
    fc.assert(
      fc.property(records, ({ ip, quicPort, tcpPort }) => {
        fc.pre(quicPort !== undefined || tcpPort !== undefined)
        const addrs = bootstrapNodeToMultiaddrs({ publicKey: VECTOR_WALLET, ip, quicPort, tcpPort }).map(
          String,
        )
        const expected = [
          ...(quicPort === undefined ? [] : [`/udp/${quicPort}/quic-v1/p2p/${VECTOR_PEER_ID}`]),
          ...(tcpPort === undefined ? [] : [`/tcp/${tcpPort}/p2p/${VECTOR_PEER_ID}`]),
        ]
        expect(addrs).toHaveLength(expected.length)
        for (const [i, addr] of addrs.entries()) {
          expect(addr.endsWith(expected[i] ?? '')).toBe(true)
          expect(addr).toMatch(/^\/(ip4|ip6|dns)\//)
        }
      }),
      { numRuns: NUM_RUNS },
    )
  })
})
