import { isDepinError } from '@depin/errors'
import { afterEach, describe, expect, it } from 'vitest'
import { createRegistryRpc, SolanaRpcError } from '../src/index.js'
import { accountEntry, addressOf, deadUrl, type FakeRpc, startFakeRpc } from './fake-rpc.js'

const PROGRAM = addressOf(9)
const GOOD = [accountEntry(addressOf(1), PROGRAM, new Uint8Array([1, 2, 3]))]

let fakes: FakeRpc[] = []
afterEach(async () => {
  await Promise.all(fakes.map((fake) => fake.stop()))
  fakes = []
})

async function fake(answer: FakeRpc['answer']): Promise<FakeRpc> {
  const started = await startFakeRpc(answer)
  fakes.push(started)
  return started
}

const origin = (url: string) => new URL(url).origin

describe('createRegistryRpc', () => {
  it('fails over past an endpoint down, one too slow and one answering junk, then prefers the good one', async () => {
    const down = await deadUrl()
    const slow = await fake(() => ({ hang: true }))
    const junk = await fake(() => ({ result: 'not a list' }))
    const good = await fake(() => ({ result: GOOD }))
    const rpc = createRegistryRpc({ endpoints: [down, slow.url, junk.url, good.url], timeoutMs: 200 })

    const accounts = await rpc.getProgramAccounts(PROGRAM, {})
    expect(accounts).toEqual([
      { address: addressOf(1), owner: PROGRAM, lamports: 2_039_280n, data: new Uint8Array([1, 2, 3]) },
    ])
    expect(rpc.callCounts()).toEqual({
      [origin(down)]: { ok: 0, error: 1, timeout: 0, junk: 0 },
      [origin(slow.url)]: { ok: 0, error: 0, timeout: 1, junk: 0 },
      [origin(junk.url)]: { ok: 0, error: 0, timeout: 0, junk: 1 },
      [origin(good.url)]: { ok: 1, error: 0, timeout: 0, junk: 0 },
    })

    await rpc.getProgramAccounts(PROGRAM, {})
    expect(good.requests).toHaveLength(2)
    expect(slow.requests.length + junk.requests.length).toBe(2)
  })

  it.each([
    ['a result of the wrong shape', { result: { value: [] } }, 'junk'],
    ['an entry with a bad pubkey', { result: [{ ...(GOOD[0] as object), pubkey: 'zzz' }] }, 'junk'],
    [
      'an entry without base64 data',
      { result: [{ pubkey: addressOf(1), account: { data: 'x', owner: PROGRAM, lamports: 1 } }] },
      'junk',
    ],
    ['text that is not JSON', { raw: '<html>502</html>' }, 'junk'],
    ['an envelope without result', { raw: '{"jsonrpc":"2.0","id":1}' }, 'junk'],
    ['HTTP 503', { status: 503 }, 'error'],
    ['a JSON-RPC error', { error: { code: -32005, message: 'node is behind' } }, 'error'],
  ] as const)(
    'counts %s as a failed attempt (%s) and tries the next endpoint',
    async (_, answer, outcome) => {
      const bad = await fake(() => answer)
      const good = await fake(() => ({ result: GOOD }))
      const rpc = createRegistryRpc({ endpoints: [bad.url, good.url] })
      expect(await rpc.getProgramAccounts(PROGRAM, {})).toHaveLength(1)
      expect(rpc.callCounts()[origin(bad.url)]?.[outcome]).toBe(1)
    },
  )

  it('rejects with SolanaRpcError listing every attempt when every endpoint fails', async () => {
    const junk = await fake(() => ({ result: 42 }))
    const down = await deadUrl()
    const rpc = createRegistryRpc({ endpoints: [junk.url, down] })
    const err = await rpc.getProgramAccounts(PROGRAM, {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SolanaRpcError)
    expect(isDepinError(err, 'SOLANA_RPC_FAILED')).toBe(true)
    expect((err as SolanaRpcError).attempts.map((a) => a.outcome)).toEqual(['junk', 'error'])
  })

  it('sends the commitment, base64 encoding and filters (memcmp in base58) with every call', async () => {
    const good = await fake(() => ({ result: [] }))
    const rpc = createRegistryRpc({ endpoints: [good.url], commitment: 'finalized' })
    await rpc.getProgramAccounts(PROGRAM, {
      filters: [{ memcmp: { offset: 8, bytes: addressOf(3) } }, { dataSize: 72 }],
    })
    expect(good.requests[0]).toEqual({
      method: 'getProgramAccounts',
      params: [
        PROGRAM,
        {
          commitment: 'finalized',
          encoding: 'base64',
          filters: [{ memcmp: { offset: 8, bytes: addressOf(3), encoding: 'base58' } }, { dataSize: 72 }],
        },
      ],
    })
  })

  it("rejects with the caller's abort reason, without trying the other endpoints or counting a failure", async () => {
    const slow = await fake(() => ({ hang: true }))
    const good = await fake(() => ({ result: GOOD }))
    const rpc = createRegistryRpc({ endpoints: [slow.url, good.url], timeoutMs: 10_000 })
    const controller = new AbortController()
    const call = rpc.getProgramAccounts(PROGRAM, { signal: controller.signal })
    const reason = new Error('caller gave up')
    await expect.poll(() => slow.requests.length).toBe(1)
    controller.abort(reason)
    await expect(call).rejects.toBe(reason)
    expect(good.requests).toHaveLength(0)
    expect(rpc.callCounts()[origin(slow.url)]).toEqual({ ok: 0, error: 0, timeout: 0, junk: 0 })
    await expect(rpc.getProgramAccounts(PROGRAM, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
  })

  it('keeps two endpoints of one origin apart and never names a path or query (API keys)', async () => {
    const good = await fake(() => ({ result: [] }))
    const rpc = createRegistryRpc({ endpoints: [`${good.url}/key-one`, `${good.url}/?api-key=secret`] })
    await rpc.getProgramAccounts(PROGRAM, {})
    expect(Object.keys(rpc.callCounts())).toEqual([good.url, `${good.url}#1`])
  })

  it('reports every bad option at once', () => {
    const err = (() => {
      try {
        createRegistryRpc({ endpoints: ['ftp://x', 'not a url'], timeoutMs: -1, commitment: 'max' as never })
      } catch (e) {
        return e
      }
    })()
    expect(isDepinError(err, 'INVALID_SOLANA_REGISTRY_CONFIG')).toBe(true)
    expect((err as { issues: { field: string }[] }).issues.map((i) => i.field)).toEqual([
      'endpoints[0]',
      'endpoints[1]',
      'timeoutMs',
      'commitment',
    ])
    expect(() => createRegistryRpc({ endpoints: [] })).toThrow(/endpoints: must list at least one/)
  })

  it('warns once when an endpoint starts failing, then logs at debug, and never logs its path or query', async () => {
    const lines: [string, string, unknown[]][] = []
    const record =
      (level: string) =>
      (msg: string, ...kv: unknown[]) =>
        lines.push([level, msg, kv])
    const logger = {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    }
    const down = await deadUrl()
    const good = await fake(() => ({ result: [] }))
    const rpc = createRegistryRpc({ endpoints: [`${down}/secret-key/?api-key=hush`, good.url], logger })
    await rpc.getProgramAccounts(PROGRAM, {})
    await rpc.getProgramAccounts(PROGRAM, {}) // the good endpoint is preferred now
    expect(lines.map(([level, msg]) => `${level} ${msg}`)).toEqual(['warn solana rpc call failed'])
    expect(lines[0]?.[2]).toContain(origin(down))
    expect(JSON.stringify(lines)).not.toMatch(/secret-key|hush/)

    lines.length = 0
    const alone = createRegistryRpc({ endpoints: [down], logger })
    await expect(alone.getProgramAccounts(PROGRAM, {})).rejects.toThrow(SolanaRpcError)
    await expect(alone.getProgramAccounts(PROGRAM, {})).rejects.toThrow(SolanaRpcError)
    expect(lines.map(([level]) => level)).toEqual(['warn', 'debug'])
  })
})
