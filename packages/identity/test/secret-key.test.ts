import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { Keypair } from '@solana/web3.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DepinError,
  encodeBase58,
  generateWallet,
  InvalidSecretKeyError,
  identityFromSecretBytes,
  KeypairFileError,
  parseSecretKey,
  readKeypairFile,
  type SecretKeyInput,
  type WalletIdentity,
} from '../src/index.js'
import { errorTexts, expectNoLeak, rejected, secretForms, thrown } from './secret-forms.js'
import {
  VECTOR_PEER_ID,
  VECTOR_SECRET_KEY,
  VECTOR_SECRET_KEY_BASE58,
  VECTOR_SECRET_KEY_JSON,
  VECTOR_SEED,
  VECTOR_WALLET,
} from './vector.js'

function expectVectorIdentity(identity: WalletIdentity): void {
  expect(identity.wallet).toBe(VECTOR_WALLET)
  expect(identity.peerId.toString()).toBe(VECTOR_PEER_ID)
  expect(identity.peerId.type).toBe('Ed25519')
  expect(encodeBase58(identity.walletBytes)).toBe(VECTOR_WALLET)
  expect(identity.privateKey.type).toBe('Ed25519')
  expect(identity.privateKey.publicKey.equals(identity.peerId.publicKey)).toBe(true)
}

describe('parseSecretKey: the fixed vector (seed = bytes 1..32)', () => {
  const forms: Array<[string, SecretKeyInput]> = [
    ['base58', VECTOR_SECRET_KEY_BASE58],
    ['base58 with surrounding whitespace (as read from a file or env)', `  ${VECTOR_SECRET_KEY_BASE58}\n`],
    ['solana-keygen JSON string', VECTOR_SECRET_KEY_JSON],
    [
      'pretty-printed JSON with a trailing newline',
      `${JSON.stringify(Array.from(VECTOR_SECRET_KEY), null, 2)}\n`,
    ],
    ['JSON with a byte-order mark and CRLF (edited on Windows)', `\uFEFF${VECTOR_SECRET_KEY_JSON}\r\n`],
    ['number[]', Array.from(VECTOR_SECRET_KEY)],
    ['Uint8Array', Uint8Array.from(VECTOR_SECRET_KEY)],
    ['Buffer', Buffer.from(VECTOR_SECRET_KEY)],
    ['{ secretKey }', { secretKey: Uint8Array.from(VECTOR_SECRET_KEY) }],
    ['@solana/web3.js Keypair', Keypair.fromSeed(VECTOR_SEED)],
  ]
  it.each(forms)('derives the expected wallet and PeerId from %s', (_label, input) => {
    expectVectorIdentity(parseSecretKey(input))
  })

  it('identityFromSecretBytes gives the same identity from the raw 64 bytes', () => {
    expectVectorIdentity(identityFromSecretBytes(Uint8Array.from(VECTOR_SECRET_KEY)))
  })

  it('signs with a key whose signatures verify against the wallet public key', async () => {
    const identity = parseSecretKey(VECTOR_SECRET_KEY_BASE58)
    const message = new TextEncoder().encode('depin')
    const signature = await identity.privateKey.sign(message)
    expect(ed25519.verify(signature, message, identity.walletBytes)).toBe(true)
    expect(await identity.peerId.publicKey.verify(message, signature)).toBe(true)
  })

  it('does not depend on the caller keeping its input unchanged', () => {
    const input = Uint8Array.from(VECTOR_SECRET_KEY)
    const identity = parseSecretKey(input)
    input.fill(0)
    expectVectorIdentity(identity)
  })

  it('cannot be changed through walletBytes or by assignment', () => {
    const identity = parseSecretKey(VECTOR_SECRET_KEY_BASE58)
    identity.walletBytes.fill(0)
    expect(encodeBase58(identity.walletBytes)).toBe(VECTOR_WALLET)
    expect(Object.isFrozen(identity)).toBe(true)
    expect(() => {
      ;(identity as { wallet: string }).wallet = 'x'
    }).toThrow(TypeError)
    expect(identity.wallet).toBe(VECTOR_WALLET)
  })
})

describe('parseSecretKey: malformed keys', () => {
  const vector = Array.from(VECTOR_SECRET_KEY)
  const other = Keypair.fromSeed(Uint8Array.from({ length: 32 }, (_, i) => 200 - i))
  const mismatched = Uint8Array.from([...VECTOR_SEED, ...other.publicKey.toBytes()])
  const flippedBit = Uint8Array.from(VECTOR_SECRET_KEY)
  flippedBit[63] = (flippedBit[63] ?? 0) ^ 1
  const withElement = (index: number, value: unknown): unknown[] => {
    const copy: unknown[] = [...vector]
    copy[index] = value
    return copy
  }
  const throwingGetter = {
    get secretKey(): Uint8Array {
      throw new Error(`getter failed for ${VECTOR_SECRET_KEY_BASE58}`)
    },
  }

  const cases: Array<[string, unknown]> = [
    ['base58 of 63 bytes', encodeBase58(VECTOR_SECRET_KEY.subarray(0, 63))],
    ['base58 of 65 bytes', encodeBase58(Uint8Array.from([...vector, 7]))],
    ['base58 of the 32-byte seed alone', encodeBase58(VECTOR_SEED)],
    ['base58 of the 32-byte public key (a wallet, not a secret)', VECTOR_WALLET],
    ['a very long base58 string', '2'.repeat(100_000)],
    ['Uint8Array of 63 bytes', VECTOR_SECRET_KEY.slice(0, 63)],
    ['Uint8Array of 65 bytes', Uint8Array.from([...vector, 7])],
    ['Uint8Array of 0 bytes', new Uint8Array(0)],
    ['Uint8Array of the 32-byte seed alone', Uint8Array.from(VECTOR_SEED)],
    ['number[] of 63', vector.slice(0, 63)],
    ['number[] of 65', [...vector, 7]],
    ['number[] of 0', []],
    ['JSON string of 63 numbers', JSON.stringify(vector.slice(0, 63))],
    ['base58 with a 0 (not in the alphabet)', `0${VECTOR_SECRET_KEY_BASE58.slice(1)}`],
    ['base58 with an O', `${VECTOR_SECRET_KEY_BASE58.slice(0, 40)}O${VECTOR_SECRET_KEY_BASE58.slice(41)}`],
    ['base58 with an l', `${VECTOR_SECRET_KEY_BASE58.slice(0, 40)}l${VECTOR_SECRET_KEY_BASE58.slice(41)}`],
    [
      'base58 with an inner space',
      `${VECTOR_SECRET_KEY_BASE58.slice(0, 40)} ${VECTOR_SECRET_KEY_BASE58.slice(40)}`,
    ],
    [
      'base58 with a non-ASCII character',
      `${VECTOR_SECRET_KEY_BASE58.slice(0, 40)}é${VECTOR_SECRET_KEY_BASE58.slice(41)}`,
    ],
    ['truncated JSON', VECTOR_SECRET_KEY_JSON.slice(0, -1)],
    ['JSON with a trailing comma', `${VECTOR_SECRET_KEY_JSON.slice(0, -1)},]`],
    ['JSON followed by garbage', `${VECTOR_SECRET_KEY_JSON} x`],
    ['JSON object (not an array)', JSON.stringify({ secretKey: vector })],
    ['JSON null', 'null'],
    ['JSON string', JSON.stringify(VECTOR_SECRET_KEY_BASE58)],
    ['array with 256', withElement(5, 256)],
    ['array with -1', withElement(5, -1)],
    ['array with 1.5', withElement(5, 1.5)],
    ['array with "1"', withElement(5, '1')],
    ['array with null', withElement(5, null)],
    ['array with NaN', withElement(5, Number.NaN)],
    [
      'array with a hole',
      (() => {
        const holey = [...vector]
        delete holey[5]
        return holey
      })(),
    ],
    ['JSON array with 256', JSON.stringify(withElement(5, 256))],
    ['JSON array with -1', JSON.stringify(withElement(5, -1))],
    ['JSON array with 1.5', JSON.stringify(withElement(5, 1.5))],
    ['JSON array with "1"', JSON.stringify(withElement(5, '1'))],
    ['JSON array with 1e400', `[1e400,${vector.slice(1).join(',')}]`],
    ['mismatched halves (bytes)', mismatched],
    ['mismatched halves (base58)', encodeBase58(mismatched)],
    ['mismatched halves (JSON)', JSON.stringify(Array.from(mismatched))],
    ['mismatched halves (number[])', Array.from(mismatched)],
    ['one flipped bit in the public half', flippedBit],
    ['public half all zeros', Uint8Array.from([...VECTOR_SEED, ...new Uint8Array(32)])],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a bigint', 42n],
    ['a boolean', true],
    ['a symbol', Symbol('key')],
    ['a function', () => VECTOR_SECRET_KEY],
    ['an object without secretKey', { privateKey: VECTOR_SECRET_KEY }],
    ['an empty object', {}],
    ['{ secretKey } holding a base58 string', { secretKey: VECTOR_SECRET_KEY_BASE58 }],
    ['{ secretKey } holding a number[]', { secretKey: vector }],
    ['{ secretKey } holding 63 bytes', { secretKey: VECTOR_SECRET_KEY.slice(0, 63) }],
    ['{ secretKey } getter that throws', throwingGetter],
    ['an ArrayBuffer', VECTOR_SECRET_KEY.slice().buffer],
    ['an Int8Array', Int8Array.from(VECTOR_SECRET_KEY)],
    ['an empty string', ''],
    ['a whitespace-only string', ' \n\t '],
  ]

  const forms = [
    ...secretForms(VECTOR_SECRET_KEY, VECTOR_SECRET_KEY_BASE58),
    ...secretForms(mismatched, encodeBase58(mismatched)),
    ...secretForms(flippedBit, encodeBase58(flippedBit)),
  ]

  it.each(cases)('rejects %s with InvalidSecretKeyError, never echoing the key', (label, input) => {
    const err = thrown(() => parseSecretKey(input as SecretKeyInput))
    expect(err).toBeInstanceOf(InvalidSecretKeyError)
    expect(err).toBeInstanceOf(DepinError)
    expect(err).toMatchObject({ name: 'InvalidSecretKeyError', code: 'INVALID_SECRET_KEY' })
    expect((err as Error).message).toMatch(/^Invalid Solana secret key: /)
    expectNoLeak(errorTexts(err), forms, label)
    if (typeof input === 'string' && input.trim().length >= 8) {
      expectNoLeak(errorTexts(err), [input.trim()], `${label} (its own input)`)
    }
  })

  it('says what was wrong', () => {
    expect(() => parseSecretKey(encodeBase58(VECTOR_SEED))).toThrow('expected 64 bytes, got 32')
    expect(() => parseSecretKey(mismatched)).toThrow('second half is not the public key of its first half')
    expect(() => parseSecretKey(withElement(5, 256) as number[])).toThrow('array element 5')
    expect(() => parseSecretKey('')).toThrow('empty')
    // Refused before decoding: base58 decoding is quadratic (100 000 characters took ~10 s).
    expect(() => parseSecretKey('2'.repeat(100_000))).toThrow('too long for base58 of 64 bytes')
  })

  it('identityFromSecretBytes rejects what is not 64 checked bytes', () => {
    for (const input of [mismatched, VECTOR_SEED, [...vector]]) {
      expect(() => identityFromSecretBytes(input as Uint8Array)).toThrow(InvalidSecretKeyError)
    }
  })
})

describe('readKeypairFile', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'depin-identity-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads a solana-keygen keypair file', async () => {
    const path = join(dir, 'id.json')
    await writeFile(path, `${VECTOR_SECRET_KEY_JSON}\n`)
    expectVectorIdentity(await readKeypairFile(path))
  })

  it('reads a file holding the key in base58', async () => {
    const path = join(dir, 'id.base58')
    await writeFile(path, `${VECTOR_SECRET_KEY_BASE58}\n`)
    expectVectorIdentity(await readKeypairFile(path))
  })

  it('rejects a missing file with KeypairFileError naming the path', async () => {
    const path = join(dir, 'missing.json')
    const err = await rejected(() => readKeypairFile(path))
    expect(err).toBeInstanceOf(KeypairFileError)
    expect(err).toBeInstanceOf(DepinError)
    expect(err).toMatchObject({ code: 'KEYPAIR_FILE_UNREADABLE', path })
    expect((err as Error).message).toContain(path)
  })

  it('rejects a directory with KeypairFileError', async () => {
    const path = join(dir, 'a-directory')
    await mkdir(path)
    await expect(readKeypairFile(path)).rejects.toMatchObject({ code: 'KEYPAIR_FILE_UNREADABLE' })
  })

  it.each([
    ['truncated JSON', VECTOR_SECRET_KEY_JSON.slice(0, -1)],
    ['an empty file', ''],
    ['63 numbers', JSON.stringify(Array.from(VECTOR_SECRET_KEY.subarray(0, 63)))],
    ['mismatched halves', JSON.stringify([...VECTOR_SEED, ...new Uint8Array(32)])],
  ])(
    'rejects a file holding %s with InvalidSecretKeyError naming the path, not the key',
    async (label, content) => {
      const path = join(dir, `bad-${label.replaceAll(' ', '-')}.json`)
      await writeFile(path, content)
      const err = await rejected(() => readKeypairFile(path))
      expect(err).toBeInstanceOf(InvalidSecretKeyError)
      expect(err).toMatchObject({ code: 'INVALID_SECRET_KEY' })
      expect((err as Error).message).toContain(path)
      expectNoLeak(errorTexts(err), secretForms(VECTOR_SECRET_KEY, VECTOR_SECRET_KEY_BASE58), label)
      if (content.length >= 8) expectNoLeak(errorTexts(err), [content], `${label} (file content)`)
    },
  )

  it('lets an abort through as an AbortError', async () => {
    const path = join(dir, 'id.json')
    await writeFile(path, VECTOR_SECRET_KEY_JSON)
    const err = await rejected(() => readKeypairFile(path, { signal: AbortSignal.abort() }))
    expect(err).toMatchObject({ name: 'AbortError' })
  })
})

describe('generateWallet', () => {
  it('generates a keypair that parses back to the same identity and that web3.js accepts', () => {
    const generated = generateWallet()
    expect(generated.secretKey).toHaveLength(64)
    const fromBytes = parseSecretKey(generated.secretKey)
    const fromBase58 = parseSecretKey(generated.secretKeyBase58)
    for (const identity of [fromBytes, fromBase58]) {
      expect(identity.wallet).toBe(generated.wallet)
      expect(identity.peerId.equals(generated.identity.peerId)).toBe(true)
    }
    expect(Keypair.fromSecretKey(generated.secretKey).publicKey.toBase58()).toBe(generated.wallet)
    expect(generated.identity.wallet).toBe(generated.wallet)
  })

  it('generates a different wallet each time', () => {
    const wallets = new Set(Array.from({ length: 20 }, () => generateWallet().wallet))
    expect(wallets.size).toBe(20)
  })

  it('cannot be changed through the secretKey it hands out', () => {
    const generated = generateWallet()
    generated.secretKey.fill(0)
    expect(parseSecretKey(generated.secretKey).wallet).toBe(generated.wallet)
  })
})
