import { format, inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  encodeBase58,
  type GeneratedWallet,
  generateWallet,
  parseSecretKey,
  type WalletIdentity,
} from '../src/index.js'
import { expectNoLeak, secretForms } from './secret-forms.js'
import { VECTOR_SECRET_KEY, VECTOR_SECRET_KEY_BASE58 } from './vector.js'

/** Every way a value commonly reaches a log line, also nested and with unlimited depth. */
function renderings(value: unknown): string[] {
  const nested = { outer: { inner: { deeper: [value] } } }
  return [
    JSON.stringify(value),
    JSON.stringify(nested),
    JSON.stringify([value, value]),
    JSON.stringify(value, null, 2),
    String(value),
    `${value}`,
    // biome-ignore lint/style/useTemplate: string concatenation is a distinct conversion path
    value + '',
    String([value]),
    inspect(value),
    inspect(value, { depth: Number.POSITIVE_INFINITY }),
    inspect(value, { showHidden: true, depth: Number.POSITIVE_INFINITY, getters: true }),
    inspect(nested),
    inspect(nested, { depth: Number.POSITIVE_INFINITY }),
    inspect(nested, { showHidden: true, depth: Number.POSITIVE_INFINITY, getters: true }),
    inspect(new Map([['key', value]]), { depth: 10 }),
    format('%s %o %O %j', value, value, value, value),
    format('%o', nested),
    format(value),
    JSON.stringify({ ...(value as object) }),
    inspect({ ...(value as object) }, { depth: Number.POSITIVE_INFINITY }),
    JSON.stringify(Object.entries(value as object)),
    inspect(Object.entries(value as object), { depth: Number.POSITIVE_INFINITY }),
    JSON.stringify(structuredClone({ ...(value as object) })),
  ]
}

function check(value: WalletIdentity | GeneratedWallet, forms: string[], label: string): void {
  const texts = renderings(value)
  expectNoLeak(texts, forms, label)
  // The public part stays visible, so the logs remain useful.
  expect(String(value)).toContain(value.wallet)
  expect(JSON.stringify(value)).toContain(value.wallet)
  expect(inspect(value)).toContain('[redacted]')
}

describe('redaction of secret keys', () => {
  it('the leak check itself notices a key printed in any of the forms', () => {
    const forms = secretForms(VECTOR_SECRET_KEY, VECTOR_SECRET_KEY_BASE58)
    const leaky = [
      VECTOR_SECRET_KEY_BASE58,
      Buffer.from(VECTOR_SECRET_KEY).toString('hex'),
      inspect(Buffer.from(VECTOR_SECRET_KEY)),
      inspect(VECTOR_SECRET_KEY, { maxArrayLength: null, breakLength: Number.POSITIVE_INFINITY }),
      JSON.stringify(Array.from(VECTOR_SECRET_KEY)),
      Buffer.from(VECTOR_SECRET_KEY).toString('base64'),
    ]
    for (const text of leaky) {
      expect(() => expectNoLeak([text], forms, 'probe')).toThrow('contains secret form')
    }
  })

  it('WalletIdentity never shows its private key', () => {
    const identity = parseSecretKey(VECTOR_SECRET_KEY_BASE58)
    check(identity, secretForms(VECTOR_SECRET_KEY, VECTOR_SECRET_KEY_BASE58), 'WalletIdentity (vector)')
    const generated = generateWallet()
    check(generated.identity, secretForms(generated.secretKey, generated.secretKeyBase58), 'WalletIdentity')
  })

  it('GeneratedWallet never shows its secret key', () => {
    for (let i = 0; i < 20; i++) {
      const generated = generateWallet()
      expect(encodeBase58(generated.secretKey)).toBe(generated.secretKeyBase58)
      check(generated, secretForms(generated.secretKey, generated.secretKeyBase58), `GeneratedWallet #${i}`)
    }
  })

  it('keeps the private key out of enumeration while leaving it usable', () => {
    const identity = parseSecretKey(VECTOR_SECRET_KEY_BASE58)
    expect(Object.keys(identity)).toEqual(['peerId', 'wallet', 'walletBytes'])
    expect(identity.privateKey.raw).toEqual(VECTOR_SECRET_KEY)
    const generated = generateWallet()
    expect(Object.keys(generated)).toEqual(['identity', 'wallet'])
  })
})
