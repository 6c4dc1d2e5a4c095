import {
  type LiteSvmFixture,
  mintToOperators,
  startLiteSvmFixture,
  TOKEN_PROGRAMS,
} from '@depin/test-utils/solana'
import { getAddressDecoder, getU64Decoder } from '@solana/kit'
import { afterEach, describe, expect, it } from 'vitest'
import { createRegistryRpc, programAccounts } from '../src/index.js'

// programAccounts on state made by real transactions only. No registry program can be deployed
// here (no compiled program), so the SPL Token program stands in for one: its accounts are
// selected with memcmp and dataSize filters and decoded by an application decoder, exactly as a
// custom registry's would be, and every change (mint, transfer, burn, close) is a transaction.

let fixture: LiteSvmFixture | undefined
afterEach(async () => {
  await fixture?.stop()
  fixture = undefined
})

const owners = getAddressDecoder()
const u64 = getU64Decoder()

describe('programAccounts on transaction-made state (LiteSVM)', () => {
  it('filters with memcmp, decodes each account, and follows transfers, burns and closes', async () => {
    fixture = await startLiteSvmFixture()
    const { chain, rpcServers } = fixture
    const { mint, operators } = await mintToOperators(chain, [2n, 1n, 0n])
    const [first, second, third] = operators as [
      (typeof operators)[number],
      (typeof operators)[number],
      (typeof operators)[number],
    ]
    // Another mint's accounts must not match the memcmp filter.
    await mintToOperators(chain, [9n])
    let decoded = 0
    const registry = programAccounts({
      rpc: createRegistryRpc({ endpoints: [rpcServers[0]!.url] }),
      programId: TOKEN_PROGRAMS.token,
      filters: [{ memcmp: { offset: 0, bytes: mint } }, { dataSize: 165 }],
      decode: ({ data }) => {
        decoded++
        // The application's rule: an account holding at least one token admits its owner.
        return u64.decode(data.subarray(64, 72)) > 0n
          ? { wallet: owners.decode(data.subarray(32, 64)) }
          : undefined
      },
    })
    const read = async () =>
      [...(await registry.getAuthorizedWallets({ signal: AbortSignal.timeout(10_000) }))].sort()

    expect(await read()).toEqual([first.wallet.address, second.wallet.address].sort())
    expect(decoded).toBe(3) // three accounts of this mint, none of the other mint's

    await chain.transfer(first.tokenAccount, third.tokenAccount, first.wallet, 2n)
    expect(await read()).toEqual([second.wallet.address, third.wallet.address].sort())

    await chain.burn(second.tokenAccount, mint, second.wallet, 1n)
    await chain.closeAccount(second.tokenAccount, second.wallet)
    expect(await read()).toEqual([third.wallet.address])
    expect(registry.metrics().junkAccounts).toBe(0)
  })
})
