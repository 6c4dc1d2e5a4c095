import { isDepinError } from '@depin/errors'
import { afterEach, describe, expect, it } from 'vitest'
import { createRegistryRpc, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, tokenHolders } from '../src/index.js'
import { accountEntry, addressOf, deadUrl, type FakeRpc, startFakeRpc, tokenAccountData } from './fake-rpc.js'

const MINT = addressOf(7)
const [ALICE, BOB, CAROL, DAVE] = [addressOf(11), addressOf(12), addressOf(13), addressOf(14)]

let fakes: FakeRpc[] = []
afterEach(async () => {
  await Promise.all(fakes.map((fake) => fake.stop()))
  fakes = []
})

async function fake(result: unknown): Promise<FakeRpc> {
  const started = await startFakeRpc(() => ({ result }))
  fakes.push(started)
  return started
}

const signal = () => AbortSignal.timeout(5_000)
let next = 100
const account = (program: string, data: Uint8Array) => accountEntry(addressOf(next++ % 250), program, data)

describe('tokenHolders', () => {
  it('sums the token accounts of each owner and keeps owners with at least minAmount', async () => {
    const rpcServer = await fake([
      account(TOKEN_PROGRAM_ID, tokenAccountData({ mint: MINT, owner: ALICE, amount: 3n })),
      account(TOKEN_PROGRAM_ID, tokenAccountData({ mint: MINT, owner: BOB, amount: 1n })),
      account(TOKEN_PROGRAM_ID, tokenAccountData({ mint: MINT, owner: BOB, amount: 1n })),
      account(TOKEN_PROGRAM_ID, tokenAccountData({ mint: MINT, owner: CAROL, amount: 1n })),
      account(TOKEN_PROGRAM_ID, tokenAccountData({ mint: MINT, owner: DAVE, amount: 5n, state: 0 })),
    ])
    const rpc = createRegistryRpc({ endpoints: [rpcServer.url] })
    const holders = tokenHolders({ rpc, mint: MINT, minAmount: 2n })
    expect((await holders.getAuthorizedWallets({ signal: signal() })).sort()).toEqual([ALICE, BOB].sort())
    expect(await holders.getBootstrapNodes({ signal: signal() })).toEqual([])
    expect(rpcServer.requests[0]?.params).toEqual([
      TOKEN_PROGRAM_ID,
      {
        commitment: 'confirmed',
        encoding: 'base64',
        filters: [{ memcmp: { offset: 0, bytes: MINT, encoding: 'base58' } }, { dataSize: 165 }],
      },
    ])
    expect(holders.metrics()).toMatchObject({
      accounts: 5,
      wallets: 2,
      reads: { fresh: 1, stale: 0, failed: 0 },
    })
  })

  it('counts frozen accounts by default and skips them with includeFrozen: false', async () => {
    const rpcServer = await fake([
      account(TOKEN_PROGRAM_ID, tokenAccountData({ mint: MINT, owner: ALICE, amount: 1n, state: 2 })),
    ])
    const rpc = createRegistryRpc({ endpoints: [rpcServer.url] })
    expect(await tokenHolders({ rpc, mint: MINT }).getAuthorizedWallets({ signal: signal() })).toEqual([
      ALICE,
    ])
    expect(
      await tokenHolders({ rpc, mint: MINT, includeFrozen: false }).getAuthorizedWallets({
        signal: signal(),
      }),
    ).toEqual([])
  })

  it('reads Token-2022 accounts with extensions, without a size filter, and skips what is not a token account', async () => {
    const rpcServer = await fake([
      account(
        TOKEN_2022_PROGRAM_ID,
        tokenAccountData({ mint: MINT, owner: ALICE, amount: 1n, extensionBytes: 12 }),
      ),
      account(TOKEN_2022_PROGRAM_ID, tokenAccountData({ mint: MINT, owner: BOB, amount: 1n })),
      // a mint account whose first bytes happen to match: account type 1
      account(
        TOKEN_2022_PROGRAM_ID,
        tokenAccountData({ mint: MINT, owner: CAROL, amount: 9n, extensionBytes: 4, accountType: 1 }),
      ),
      // an account of another mint (an RPC ignoring the filter)
      account(TOKEN_2022_PROGRAM_ID, tokenAccountData({ mint: addressOf(8), owner: DAVE, amount: 9n })),
    ])
    const rpc = createRegistryRpc({ endpoints: [rpcServer.url] })
    const holders = tokenHolders({ rpc, mint: MINT, tokenProgram: 'token-2022' })
    expect((await holders.getAuthorizedWallets({ signal: signal() })).sort()).toEqual([ALICE, BOB].sort())
    expect(rpcServer.requests[0]?.params).toEqual([
      TOKEN_2022_PROGRAM_ID,
      {
        commitment: 'confirmed',
        encoding: 'base64',
        filters: [{ memcmp: { offset: 0, bytes: MINT, encoding: 'base58' } }],
      },
    ])
    expect(holders.metrics().junkAccounts).toBe(2)
  })

  it('keeps the last good answer when every endpoint fails, and rejects when there never was one', async () => {
    const rpcServer = await fake([
      account(TOKEN_PROGRAM_ID, tokenAccountData({ mint: MINT, owner: ALICE, amount: 1n })),
    ])
    const down = await deadUrl()
    let clock = 1_000_000
    const rpc = createRegistryRpc({ endpoints: [rpcServer.url, down], now: () => clock })
    const holders = tokenHolders({ rpc, mint: MINT })

    const never = tokenHolders({ rpc: createRegistryRpc({ endpoints: [down] }), mint: MINT })
    const err = await never.getAuthorizedWallets({ signal: signal() }).catch((e: unknown) => e)
    expect(isDepinError(err, 'SOLANA_RPC_FAILED')).toBe(true)
    expect(never.metrics().reads).toEqual({ fresh: 0, stale: 0, failed: 1 })

    expect(await holders.getAuthorizedWallets({ signal: signal() })).toEqual([ALICE])
    rpcServer.answer = () => ({ result: 'junk' })
    clock += 7_000
    expect(await holders.getAuthorizedWallets({ signal: signal() })).toEqual([ALICE])
    const metrics = holders.metrics()
    expect(metrics.reads).toEqual({ fresh: 1, stale: 1, failed: 0 })
    expect(metrics).toMatchObject({ lastSuccessAt: 1_000_000, lastSuccessAgeMs: 7_000, wallets: 1 })
    expect(metrics.rpcCalls[new URL(rpcServer.url).origin]).toEqual({ ok: 1, error: 0, timeout: 0, junk: 1 })
  })

  it('returns the bootstrapNodes it was given', async () => {
    const rpc = createRegistryRpc({ endpoints: [await deadUrl()] })
    const node = { publicKey: ALICE, ip: '127.0.0.1', quicPort: 4001 }
    expect(
      await tokenHolders({ rpc, mint: MINT, bootstrapNodes: [node] }).getBootstrapNodes({ signal: signal() }),
    ).toEqual([node])
  })

  it('reports every bad option at once', () => {
    let err: unknown
    try {
      tokenHolders({
        rpc: {} as never,
        mint: 'not-base58-0OIl',
        minAmount: -1n,
        tokenProgram: 'token-2023' as never,
      })
    } catch (e) {
      err = e
    }
    expect(isDepinError(err, 'INVALID_SOLANA_REGISTRY_CONFIG')).toBe(true)
    expect((err as { issues: { field: string }[] }).issues.map((i) => i.field)).toEqual([
      'rpc',
      'mint',
      'minAmount',
      'tokenProgram',
    ])
    expect(() => tokenHolders({ rpc: {} as never, mint: MINT, minAmount: 1.5 })).toThrow(/minAmount/)
  })
})
