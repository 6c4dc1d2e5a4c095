import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeBase58, InvalidSecretKeyError, parseSecretKey, walletToPeerId } from '@depin/identity'
import { generateWallets } from '@depin/test-utils'
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest'
import { builtGoBinary, GO_SKIP_REASON } from './helpers/go-binary.js'
import { goIdentity } from './helpers/go-identity.js'

const suite =
  GO_SKIP_REASON === undefined ? 'Go interop: identity' : `Go interop: identity (skipped: ${GO_SKIP_REASON})`

describe.skipIf(GO_SKIP_REASON !== undefined)(suite, () => {
  let binary = ''
  let dir = ''

  beforeAll(async () => {
    binary = builtGoBinary(inject('interopGo'))
    dir = mkdtempSync(join(tmpdir(), 'interop-go-id-'))
  })

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  })

  test('the same wallet gives the same PeerId and wallet in Go and in TypeScript', async () => {
    for (const w of generateWallets(5)) {
      const ts = parseSecretKey(w.secretKeyBase58)
      const go = await goIdentity(binary, { secretKey: w.secretKeyBase58 })
      expect(go).toEqual({ ok: true, peerId: ts.peerId.toString(), wallet: ts.wallet })
      // And the wallet alone maps to that PeerId (what both gaters rely on).
      expect(walletToPeerId(w.wallet).toString()).toBe(ts.peerId.toString())
    }
  })

  test("solana-keygen's JSON byte array file gives the same PeerId in Go and in TypeScript", async () => {
    const [w] = generateWallets(1)
    const file = join(dir, 'id.json')
    writeFileSync(file, JSON.stringify(Array.from(w!.secretKey)), { mode: 0o600 })
    const go = await goIdentity(binary, { keyFile: file })
    expect(go).toEqual({ ok: true, peerId: w!.identity.peerId.toString(), wallet: w!.wallet })
  })

  test('a secret key whose second half is not its public key is rejected by both, without echoing it', async () => {
    const [a, b] = generateWallets(2)
    const mixed = new Uint8Array(64)
    mixed.set(a!.secretKey.subarray(0, 32), 0)
    mixed.set(b!.secretKey.subarray(32), 32)
    const mixedBase58 = encodeBase58(mixed)

    expect(() => parseSecretKey(mixedBase58)).toThrow(InvalidSecretKeyError)
    const go = await goIdentity(binary, { secretKey: mixedBase58 })
    expect(go.ok).toBe(false)
    if (!go.ok) {
      expect(go.error).toMatch(/not the public key/)
      expect(go.output).not.toContain(mixedBase58)
    }
  })

  test('a key of the wrong length or alphabet is rejected by Go with a clear error', async () => {
    expect(await goIdentity(binary, { secretKey: '3yZe7d' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/expected 64 bytes/),
    })
    expect(await goIdentity(binary, { secretKey: '0OIl' })).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not valid base58/),
    })
  })
})
