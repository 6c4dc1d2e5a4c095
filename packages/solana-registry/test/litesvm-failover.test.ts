import { waitFor } from '@depin/test-utils'
import { type LiteSvmFixture, mintToOperators, startLiteSvmFixture } from '@depin/test-utils/solana'
import { afterEach, describe, expect, it } from 'vitest'
import { createRegistryRpc, tokenHolders } from '../src/index.js'

// Failover across test RPC servers that answer from one LiteSVM chain, each with an injected fault.

let fixture: LiteSvmFixture | undefined

afterEach(async () => {
  await fixture?.stop()
  fixture = undefined
})

const signal = (): AbortSignal => AbortSignal.timeout(10_000)

describe('RPC failover on LiteSVM', () => {
  it('skips an endpoint that is down, one too slow and one answering junk, and reads from the good one', async () => {
    fixture = await startLiteSvmFixture({ rpcCount: 4 })
    const { chain, rpcServers } = fixture
    const [down, slow, junk, good] = rpcServers as [
      (typeof rpcServers)[0],
      (typeof rpcServers)[0],
      (typeof rpcServers)[0],
      (typeof rpcServers)[0],
    ]
    const { mint, operators } = await mintToOperators(chain, [2n, 1n])
    down.setFault({ kind: 'down' })
    slow.setFault({ kind: 'slow', ms: 2_000 })
    junk.setFault({ kind: 'junk' })
    const rpc = createRegistryRpc({ endpoints: rpcServers.map((s) => s.url), timeoutMs: 300 })
    const holders = tokenHolders({ rpc, mint, minAmount: 2n })

    const started = performance.now()
    expect(await holders.getAuthorizedWallets({ signal: signal() })).toEqual([operators[0]?.wallet.address])
    const elapsedMs = performance.now() - started
    expect(elapsedMs).toBeLessThan(2_000) // the slow endpoint was abandoned at its timeout
    for (const server of rpcServers) expect(server.count('getProgramAccounts')).toBe(1)

    const calls = holders.metrics().rpcCalls
    expect(calls[new URL(down.url).origin]).toMatchObject({ ok: 0, error: 1 })
    expect(calls[new URL(slow.url).origin]).toMatchObject({ ok: 0, timeout: 1 })
    expect(calls[new URL(junk.url).origin]).toMatchObject({ ok: 0, junk: 1 })
    expect(calls[new URL(good.url).origin]).toMatchObject({ ok: 1 })

    // The endpoint that answered well is asked first next time.
    expect(await holders.getAuthorizedWallets({ signal: signal() })).toEqual([operators[0]?.wallet.address])
    expect(good.count('getProgramAccounts')).toBe(2)
    expect(down.count() + slow.count() + junk.count()).toBe(3)
  })

  it('treats a JSON-RPC error and an HTTP 503 as failures of that endpoint', async () => {
    fixture = await startLiteSvmFixture({ rpcCount: 3 })
    const { chain, rpcServers } = fixture
    const { mint, operators } = await mintToOperators(chain, [1n])
    rpcServers[0]?.setFault({ kind: 'error' })
    rpcServers[1]?.setFault({ kind: 'unavailable' })
    const rpc = createRegistryRpc({ endpoints: rpcServers.map((s) => s.url), timeoutMs: 1_000 })
    const holders = tokenHolders({ rpc, mint, minAmount: 1n })
    expect(await holders.getAuthorizedWallets({ signal: signal() })).toEqual([operators[0]?.wallet.address])
  })

  it('keeps the last good answer when every endpoint fails, and serves fresh state once one recovers', async () => {
    fixture = await startLiteSvmFixture({ rpcCount: 2 })
    const { chain, rpcServers } = fixture
    const { mint, operators } = await mintToOperators(chain, [3n, 3n])
    const [kept, burned] = operators as [(typeof operators)[0], (typeof operators)[0]]
    const rpc = createRegistryRpc({ endpoints: rpcServers.map((s) => s.url), timeoutMs: 300 })
    const holders = tokenHolders({ rpc, mint, minAmount: 1n })
    const before = [kept.wallet.address, burned.wallet.address].sort()
    expect([...(await holders.getAuthorizedWallets({ signal: signal() }))].sort()).toEqual(before)

    rpcServers[0]?.setFault({ kind: 'down' })
    rpcServers[1]?.setFault({ kind: 'junk' })
    await chain.burn(burned.tokenAccount, mint, burned.wallet, 3n)
    // Every endpoint fails: the last good answer (still with the burned holder) is returned.
    expect([...(await holders.getAuthorizedWallets({ signal: signal() }))].sort()).toEqual(before)
    expect(holders.metrics().reads).toMatchObject({ fresh: 1, stale: 1 })
    // A junk answer never leaked a partial set.
    expect(holders.metrics().rpcCalls[new URL(rpcServers[1]?.url ?? '').origin]).toMatchObject({ junk: 1 })

    rpcServers[1]?.setFault(undefined)
    expect(await holders.getAuthorizedWallets({ signal: signal() })).toEqual([kept.wallet.address])
  })

  it('rejects when every endpoint fails and there was never a good answer (the gater fails closed)', async () => {
    fixture = await startLiteSvmFixture({ rpcCount: 2 })
    const { chain, rpcServers } = fixture
    const { mint } = await mintToOperators(chain, [1n])
    for (const server of rpcServers) server.setFault({ kind: 'down' })
    const rpc = createRegistryRpc({ endpoints: rpcServers.map((s) => s.url), timeoutMs: 300 })
    const holders = tokenHolders({ rpc, mint, minAmount: 1n })
    await expect(holders.getAuthorizedWallets({ signal: signal() })).rejects.toMatchObject({
      code: expect.any(String),
    })
    expect(holders.metrics().reads).toMatchObject({ fresh: 0, failed: 1 })
  })

  it("honours the caller's signal while an endpoint is slow", async () => {
    fixture = await startLiteSvmFixture({ rpcCount: 1 })
    const { chain, rpcServers } = fixture
    const { mint } = await mintToOperators(chain, [1n])
    rpcServers[0]?.setFault({ kind: 'slow', ms: 5_000 })
    const rpc = createRegistryRpc({ endpoints: rpcServers.map((s) => s.url), timeoutMs: 10_000 })
    const holders = tokenHolders({ rpc, mint, minAmount: 1n })
    const abort = new AbortController()
    const read = holders.getAuthorizedWallets({ signal: abort.signal })
    read.catch(() => {}) // asserted below
    await waitFor(() => rpcServers[0]?.count('getProgramAccounts') === 1, {
      timeoutMs: 5_000,
      message: 'the call',
    })
    const started = performance.now()
    abort.abort(new Error('caller gave up'))
    await expect(read).rejects.toThrow('caller gave up')
    expect(performance.now() - started).toBeLessThan(1_000)
  })
})
