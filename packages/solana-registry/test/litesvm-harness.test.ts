import { waitFor } from '@depin/test-utils'
import {
  createTestChain,
  startTestRpcServer,
  startTestWsServer,
  type TestChain,
  type TestRpcServer,
  type TestWsServer,
  TOKEN_PROGRAMS,
} from '@depin/test-utils/solana'
import { type Address, createSolanaRpc, createSolanaRpcSubscriptions, getBase64Decoder } from '@solana/kit'
import { getTokenDecoder } from '@solana-program/token'
import { afterEach, describe, expect, it } from 'vitest'

// The harness itself, read through @solana/kit's own RPC clients: the state comes from real
// transactions executed by LiteSVM, and kit must parse every answer the servers give.

let chain: TestChain | undefined
const servers: Array<TestRpcServer | TestWsServer> = []
const aborts: AbortController[] = []

afterEach(async () => {
  for (const abort of aborts.splice(0)) abort.abort()
  await Promise.all(servers.splice(0).map((server) => server.stop()))
  chain = undefined
})

async function setup(): Promise<{ chain: TestChain; rpcServer: TestRpcServer }> {
  chain = await createTestChain()
  const rpcServer = await startTestRpcServer(chain)
  servers.push(rpcServer)
  return { chain, rpcServer }
}

describe('LiteSVM harness through @solana/kit', () => {
  it('serves token accounts made by real transactions, with memcmp and dataSize filters', async () => {
    const { chain, rpcServer } = await setup()
    const mint = await chain.createMint()
    const alice = await chain.createWallet()
    const bob = await chain.createWallet()
    const aliceAta = await chain.createAssociatedTokenAccount(mint, alice.address)
    const bobAta = await chain.createAssociatedTokenAccount(mint, bob.address)
    await chain.mintTo(mint, aliceAta, 10n)
    await chain.mintTo(mint, bobAta, 3n)
    await chain.transfer(aliceAta, bobAta, alice, 4n)

    const rpc = createSolanaRpc(rpcServer.url)
    const accounts = await rpc
      .getProgramAccounts(TOKEN_PROGRAMS.token, {
        encoding: 'base64',
        commitment: 'confirmed',
        filters: [
          { dataSize: 165n },
          { memcmp: { offset: 0n, bytes: mint as string as never, encoding: 'base58' } },
        ],
      })
      .send()
    const byOwner = new Map(
      accounts.map(({ account }) => {
        const decoded = getTokenDecoder().decode(Buffer.from(account.data[0], 'base64'))
        return [decoded.owner, decoded.amount]
      }),
    )
    expect(byOwner).toEqual(
      new Map([
        [alice.address, 6n],
        [bob.address, 7n],
      ]),
    )
    expect(rpcServer.requests.at(-1)?.params).toMatchObject([
      TOKEN_PROGRAMS.token,
      { commitment: 'confirmed' },
    ])

    // base64 memcmp bytes select the same accounts; withContext wraps them.
    const mintBase64 = getBase64Decoder().decode(
      new Uint8Array(chain.getAccount(aliceAta)?.data.subarray(0, 32) ?? []),
    )
    const wrapped = await rpc
      .getProgramAccounts(TOKEN_PROGRAMS.token, {
        encoding: 'base64',
        withContext: true,
        filters: [{ memcmp: { offset: 0n, bytes: mintBase64 as never, encoding: 'base64' } }],
      })
      .send()
    expect(wrapped.value).toHaveLength(2)
    expect(wrapped.context.slot).toBe(chain.slot())
  })

  it('serves Token-2022 accounts, burns and closed accounts', async () => {
    const { chain, rpcServer } = await setup()
    const mint = await chain.createMint({ tokenProgram: 'token-2022' })
    const carol = await chain.createWallet()
    const ata = await chain.createAssociatedTokenAccount(mint, carol.address)
    await chain.mintTo(mint, ata, 5n)
    const rpc = createSolanaRpc(rpcServer.url)

    const info = await rpc.getAccountInfo(ata, { encoding: 'base64' }).send()
    expect(info.value?.owner).toBe(TOKEN_PROGRAMS['token-2022'])
    // Token-2022's associated token accounts carry the ImmutableOwner extension: 170 bytes, not 165.
    expect(info.value?.space).toBe(170n)
    expect(chain.balanceOf(ata)).toBe(5n)

    await chain.burn(ata, mint, carol, 5n)
    expect(chain.balanceOf(ata)).toBe(0n)
    await chain.closeAccount(ata, carol)
    const closed = await rpc.getMultipleAccounts([ata, mint], { encoding: 'base64' }).send()
    expect(closed.value[0]).toBeNull()
    expect(closed.value[1]?.owner).toBe(TOKEN_PROGRAMS['token-2022'])
    const left = await rpc.getProgramAccounts(TOKEN_PROGRAMS['token-2022'], { encoding: 'base64' }).send()
    expect(left.map((a) => a.pubkey)).toEqual([mint])
  })

  it('answers the chain methods kit sends and rejects bad input with JSON-RPC errors', async () => {
    const { chain, rpcServer } = await setup()
    const rpc = createSolanaRpc(rpcServer.url)
    expect(await rpc.getHealth().send()).toBe('ok')
    expect(await rpc.getSlot().send()).toBe(chain.slot())
    expect((await rpc.getLatestBlockhash().send()).value.blockhash).toBe(chain.svm.latestBlockhash())
    expect((await rpc.getVersion().send())['solana-core']).toBe('2.2.0')
    await expect(rpc.getProgramAccounts('not-base58' as Address).send()).rejects.toThrow(/address/)
    await expect(
      rpc
        .getProgramAccounts(TOKEN_PROGRAMS.token, {
          filters: [{ memcmp: { offset: 0n, bytes: '0OIl' as never, encoding: 'base58' } }],
        })
        .send(),
    ).rejects.toThrow(/memcmp/)
    const raw = await fetch(rpcServer.url, { method: 'POST', body: '{not json' })
    expect(await raw.json()).toMatchObject({ error: { code: -32700 } })
  })

  it('injects faults: down, 503, slow, junk, error', async () => {
    const { rpcServer } = await setup()
    const rpc = createSolanaRpc(rpcServer.url)
    rpcServer.setFault({ kind: 'down' })
    await expect(rpc.getSlot().send()).rejects.toThrow()
    rpcServer.setFault({ kind: 'unavailable' })
    await expect(rpc.getSlot().send()).rejects.toThrow()
    rpcServer.setFault({ kind: 'error' })
    await expect(rpc.getSlot().send()).rejects.toThrow(/behind/)
    rpcServer.setFault({ kind: 'junk' })
    const junk = await rpc.getProgramAccounts(TOKEN_PROGRAMS.token, { encoding: 'base64' }).send()
    expect(junk[0]?.pubkey).toBe('not-an-address')
    rpcServer.setFault({ kind: 'slow', ms: 300 })
    const started = performance.now()
    await rpc.getHealth().send()
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    await expect(rpc.getHealth().send({ abortSignal: AbortSignal.timeout(50) })).rejects.toThrow()
    rpcServer.setFault(undefined)
    expect(await rpc.getHealth().send()).toBe('ok')
  })

  it('stops its servers: idempotent, sockets closed, a slow answer pending is dropped', async () => {
    const { chain, rpcServer } = await setup()
    const wsServer = await startTestWsServer(chain)
    servers.push(wsServer)
    rpcServer.setFault({ kind: 'slow', ms: 10_000 })
    const pending = fetch(rpcServer.url, {
      method: 'POST',
      body: '{"jsonrpc":"2.0","id":1,"method":"getSlot"}',
    })
    await waitFor(() => rpcServer.count('getSlot') === 1, { timeoutMs: 5_000, message: 'the request' })
    await Promise.all([rpcServer.stop(), rpcServer.stop(), wsServer.stop()])
    await expect(pending).rejects.toThrow()
    await expect(fetch(rpcServer.url, { method: 'POST', body: '{}' })).rejects.toThrow()
    await expect(
      createSolanaRpcSubscriptions(wsServer.url)
        .slotNotifications()
        .subscribe({ abortSignal: AbortSignal.timeout(5_000) }),
    ).rejects.toThrow()
  })

  it('notifies program and account subscriptions after transactions, and drops connections', async () => {
    const { chain } = await setup()
    const wsServer = await startTestWsServer(chain)
    servers.push(wsServer)
    const mint = await chain.createMint()
    const dave = await chain.createWallet()
    const ata = await chain.createAssociatedTokenAccount(mint, dave.address)
    const subscriptions = createSolanaRpcSubscriptions(wsServer.url)
    const abort = new AbortController()
    aborts.push(abort)
    const programEvents: Array<{ pubkey: Address; amount: bigint }> = []
    const accountLamports: bigint[] = []
    const programStream = await subscriptions
      .programNotifications(TOKEN_PROGRAMS.token, {
        encoding: 'base64',
        filters: [{ memcmp: { offset: 0n, bytes: mint as string as never, encoding: 'base58' } }],
      })
      .subscribe({ abortSignal: abort.signal })
    const accountStream = await subscriptions
      .accountNotifications(ata, { encoding: 'base64' })
      .subscribe({ abortSignal: abort.signal })
    const pump = async (): Promise<void> => {
      for await (const { value } of programStream) {
        const data = Buffer.from(value.account.data[0], 'base64')
        programEvents.push({
          pubkey: value.pubkey,
          amount: data.length >= 165 ? getTokenDecoder().decode(data).amount : -1n,
        })
      }
    }
    const pumpAccount = async (): Promise<void> => {
      for await (const { value } of accountStream) accountLamports.push(value.lamports)
    }
    const pumped = Promise.allSettled([pump(), pumpAccount()])
    await waitFor(() => wsServer.subscriptionCount() === 2, {
      timeoutMs: 5_000,
      message: 'two subscriptions',
    })

    await chain.mintTo(mint, ata, 9n)
    await waitFor(() => programEvents.some((e) => e.amount === 9n), {
      timeoutMs: 5_000,
      message: 'mint notice',
    })
    await chain.burn(ata, mint, dave, 9n)
    await chain.closeAccount(ata, dave)
    await waitFor(() => programEvents.some((e) => e.amount === -1n), {
      timeoutMs: 5_000,
      message: 'close notice',
    })
    await waitFor(() => accountLamports.at(-1) === 0n, { timeoutMs: 5_000, message: 'closed account notice' })
    expect(programEvents.map((e) => e.pubkey).every((pubkey) => pubkey === ata)).toBe(true)

    wsServer.setRefusing(true)
    wsServer.dropAll()
    await pumped // both iterators end with the channel's error
    expect(wsServer.subscriptionCount()).toBe(0)
    await expect(
      createSolanaRpcSubscriptions(wsServer.url).slotNotifications().subscribe({ abortSignal: abort.signal }),
    ).rejects.toThrow()
  })
})
