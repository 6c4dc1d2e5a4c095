import type { TokenProgramKind } from '@depin/test-utils/solana'
import { type LiteSvmFixture, mintToOperators, startLiteSvmFixture } from '@depin/test-utils/solana'
import { afterEach, describe, expect, it } from 'vitest'
import { createRegistryRpc, tokenHolders } from '../src/index.js'

// Token registries read from state produced by real SPL Token / Token-2022 transactions executed
// by LiteSVM, served through the test JSON-RPC server.

let fixture: LiteSvmFixture | undefined

afterEach(async () => {
  await fixture?.stop()
  fixture = undefined
})

const read = (source: { getAuthorizedWallets(o: { signal: AbortSignal }): Promise<string[]> }) =>
  source.getAuthorizedWallets({ signal: AbortSignal.timeout(10_000) }).then((wallets) => [...wallets].sort())

describe.each<TokenProgramKind>(['token', 'token-2022'])('tokenHolders on LiteSVM (%s)', (tokenProgram) => {
  it('reads in pages (pageSize): the addresses first, then their data a page at a time, same holders', async () => {
    fixture = await startLiteSvmFixture()
    const { chain, rpcServers } = fixture
    const server = rpcServers[0]!
    const { mint, operators } = await mintToOperators(chain, [3n, 1n, 2n, 0n, 7n], tokenProgram)
    const holder = (indices: number[]) => indices.map((i) => operators[i]!.wallet.address).sort()
    const rpc = createRegistryRpc({ endpoints: [server.url], pageSize: 2 })
    const holders = tokenHolders({ rpc, mint, minAmount: 1n, tokenProgram })
    expect(await read(holders)).toEqual(holder([0, 1, 2, 4]))
    // 5 token accounts listed without data, then fetched 2 + 2 + 1.
    const listing = server.requests.filter((r) => r.method === 'getProgramAccounts')
    expect(listing).toHaveLength(1)
    expect(listing[0]?.params).toMatchObject([expect.any(String), { dataSlice: { offset: 0, length: 0 } }])
    expect(server.count('getMultipleAccounts')).toBe(3)
    // A burned-and-closed account between reads simply drops out.
    await chain.burn(operators[4]!.tokenAccount, mint, operators[4]!.wallet, 7n)
    await chain.closeAccount(operators[4]!.tokenAccount, operators[4]!.wallet)
    expect(await read(holders)).toEqual(holder([0, 1, 2]))
  })

  it('lists holders at or above minAmount and leaves out those below, with and without an account', async () => {
    fixture = await startLiteSvmFixture()
    const { chain, rpcServers } = fixture
    const { mint, operators } = await mintToOperators(chain, [10n, 5n, 4n, 0n], tokenProgram)
    const stranger = await chain.createWallet() // no token account at all
    const [rich, exact, poor, empty] = operators.map((o) => o.wallet.address)
    const rpc = createRegistryRpc({ endpoints: [rpcServers[0]?.url ?? ''] })
    const holders = tokenHolders({ rpc, mint, minAmount: 5n, tokenProgram })

    const wallets = await read(holders)
    expect(wallets).toEqual([rich, exact].sort())
    expect(wallets).not.toContain(poor)
    expect(wallets).not.toContain(empty)
    expect(wallets).not.toContain(stranger.address)
    expect(await holders.getBootstrapNodes({ signal: AbortSignal.timeout(1_000) })).toEqual([])
    // Every call carried the commitment.
    const calls = rpcServers[0]?.requests.filter((r) => r.method === 'getProgramAccounts') ?? []
    expect(calls.length).toBeGreaterThan(0)
    for (const call of calls)
      expect(call.params).toMatchObject([expect.any(String), { commitment: 'confirmed' }])
  })

  it("sums a wallet's token accounts (associated and plain 165-byte ones)", async () => {
    fixture = await startLiteSvmFixture()
    const { chain, rpcServers } = fixture
    const { mint, operators } = await mintToOperators(chain, [3n, 3n], tokenProgram)
    const [split, single] = operators as [(typeof operators)[0], (typeof operators)[0]]
    const second = await chain.createTokenAccount(mint, split.wallet.address)
    expect(chain.getAccount(second)?.data.length).toBe(165)
    await chain.mintTo(mint, second, 2n)
    const rpc = createRegistryRpc({ endpoints: [rpcServers[0]?.url ?? ''] })
    expect(await read(tokenHolders({ rpc, mint, minAmount: 5n, tokenProgram }))).toEqual([
      split.wallet.address,
    ])
    expect(await read(tokenHolders({ rpc, mint, minAmount: 3n, tokenProgram }))).toEqual(
      [split.wallet.address, single.wallet.address].sort(),
    )
  })

  it('ignores other mints of the same program', async () => {
    fixture = await startLiteSvmFixture()
    const { chain, rpcServers } = fixture
    const first = await mintToOperators(chain, [7n], tokenProgram)
    const other = await mintToOperators(chain, [7n], tokenProgram)
    const rpc = createRegistryRpc({ endpoints: [rpcServers[0]?.url ?? ''] })
    const wallets = await read(tokenHolders({ rpc, mint: first.mint, minAmount: 1n, tokenProgram }))
    expect(wallets).toEqual([first.operators[0]?.wallet.address])
    expect(wallets).not.toContain(other.operators[0]?.wallet.address)
  })

  it('drops a holder that a transfer moves below the minimum, and adds the receiver', async () => {
    fixture = await startLiteSvmFixture()
    const { chain, rpcServers } = fixture
    const { mint, operators } = await mintToOperators(chain, [6n, 2n], tokenProgram)
    const [sender, receiver] = operators as [(typeof operators)[0], (typeof operators)[0]]
    const rpc = createRegistryRpc({ endpoints: [rpcServers[0]?.url ?? ''] })
    const holders = tokenHolders({ rpc, mint, minAmount: 5n, tokenProgram })
    expect(await read(holders)).toEqual([sender.wallet.address])

    await chain.transfer(sender.tokenAccount, receiver.tokenAccount, sender.wallet, 3n)
    expect(chain.balanceOf(sender.tokenAccount)).toBe(3n)
    expect(await read(holders)).toEqual([receiver.wallet.address])
  })

  it('drops a holder whose tokens are burned and whose account is closed', async () => {
    fixture = await startLiteSvmFixture()
    const { chain, rpcServers } = fixture
    const { mint, operators } = await mintToOperators(chain, [3n, 3n], tokenProgram)
    const [kept, revoked] = operators as [(typeof operators)[0], (typeof operators)[0]]
    const rpc = createRegistryRpc({ endpoints: [rpcServers[0]?.url ?? ''] })
    const holders = tokenHolders({ rpc, mint, minAmount: 1n, tokenProgram })
    expect(await read(holders)).toEqual([kept.wallet.address, revoked.wallet.address].sort())

    await chain.burn(revoked.tokenAccount, mint, revoked.wallet, 3n)
    expect(await read(holders)).toEqual([kept.wallet.address])
    await chain.closeAccount(revoked.tokenAccount, revoked.wallet)
    expect(chain.getAccount(revoked.tokenAccount)).toBeUndefined()
    expect(await read(holders)).toEqual([kept.wallet.address])
  })
})

describe('tokenHolders on LiteSVM: program and mint mismatch', () => {
  it('finds no holder when asked for the wrong token program', async () => {
    fixture = await startLiteSvmFixture()
    const { chain, rpcServers } = fixture
    const { mint } = await mintToOperators(chain, [9n], 'token-2022')
    const rpc = createRegistryRpc({ endpoints: [rpcServers[0]?.url ?? ''] })
    expect(await read(tokenHolders({ rpc, mint, minAmount: 1n, tokenProgram: 'token' }))).toEqual([])
  })
})
