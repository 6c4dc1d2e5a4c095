import { waitFor } from '@depin/test-utils'
import { type LiteSvmFixture, mintToOperators, startLiteSvmFixture } from '@depin/test-utils/solana'
import type { Address } from '@solana/kit'
import { afterEach, describe, expect, it } from 'vitest'
import { createRegistryRpc, type RegistrySource, tokenHolders, WATCH_DEFAULTS } from '../src/index.js'

// Fast revocation: a holder's tokens are burned by a real transaction in LiteSVM; the watch hears it
// through the test WebSocket server's programNotification, or by polling while the subscription is
// down. The measured times are printed (the acceptance note reports them).

let fixture: LiteSvmFixture | undefined
const stops: Array<() => void> = []

afterEach(async () => {
  for (const stop of stops.splice(0)) stop()
  await fixture?.stop()
  fixture = undefined
})

interface Watched {
  holders: RegistrySource
  changes: number[]
  fixture: LiteSvmFixture
  mint: Address
  operators: Awaited<ReturnType<typeof mintToOperators>>['operators']
}

async function watched(pollIntervalMs: number, holderCount = 4): Promise<Watched> {
  fixture = await startLiteSvmFixture()
  const { chain, rpcServers, wsServer } = fixture
  const { mint, operators } = await mintToOperators(
    chain,
    Array.from({ length: holderCount }, () => 5n),
  )
  const rpc = createRegistryRpc({ endpoints: rpcServers.map((s) => s.url), timeoutMs: 1_000 })
  const holders = tokenHolders({ rpc, mint, minAmount: 5n })
  expect(await holders.getAuthorizedWallets({ signal: AbortSignal.timeout(5_000) })).toHaveLength(holderCount)
  const changes: number[] = []
  stops.push(
    holders.watch({
      wsEndpoint: wsServer.url,
      onChange: () => changes.push(performance.now()),
      pollIntervalMs,
    }),
  )
  await waitFor(() => wsServer.subscriptionCount() > 0 && holders.metrics().subscription === 'subscribed', {
    timeoutMs: 5_000,
    message: 'the program subscription',
  })
  return { holders, changes, fixture, mint, operators }
}

/** Burns `operator`'s tokens, waits for the next onChange, returns the milliseconds it took. */
async function timeRevocation(w: Watched, index: number, timeoutMs: number): Promise<number> {
  const operator = w.operators[index]
  if (operator === undefined) throw new Error(`no operator ${index}`)
  const seen = w.changes.length
  const started = performance.now()
  await w.fixture.chain.burn(operator.tokenAccount, w.mint, operator.wallet, 1n)
  const at = await waitFor(() => w.changes[seen], { timeoutMs, message: 'onChange after the burn' })
  const wallets = await w.holders.getAuthorizedWallets({ signal: AbortSignal.timeout(5_000) })
  expect(wallets).not.toContain(operator.wallet.address)
  const stillHolding = w.operators.filter((o) => w.fixture.chain.balanceOf(o.tokenAccount) >= 5n)
  expect([...wallets].sort()).toEqual(stillHolding.map((o) => o.wallet.address).sort())
  return at - started
}

/** Times `count` revocations (operators `from`, `from + 1`, ...), prints them, returns them. */
async function timeRevocations(w: Watched, label: string, from: number, count: number, timeoutMs: number) {
  const times: number[] = []
  for (let i = from; i < from + count; i++) times.push(await timeRevocation(w, i, timeoutMs))
  console.info(
    `[solana-registry] revocation notice, ${label}: ${times.map((ms) => ms.toFixed(0)).join(', ')} ms`,
  )
  return times
}

describe('watch() on LiteSVM', () => {
  it('hears a burn through the program subscription within seconds', async () => {
    const w = await watched(60_000) // polling would be far too slow to explain a quick notice
    const times = await timeRevocations(w, 'programSubscribe', 0, 3, 5_000)
    for (const ms of times) expect(ms).toBeLessThan(3_000)
    expect(w.holders.metrics().changes).toMatchObject({ notification: 3, poll: 0 })
    expect(w.holders.metrics().notifications).toBeGreaterThanOrEqual(3)

    // Another mint's transactions are not this registry's business: the memcmp filter keeps them out.
    const notificationsBefore = w.fixture.wsServer.notificationCount()
    await mintToOperators(w.fixture.chain, [9n])
    expect(w.fixture.wsServer.notificationCount()).toBe(notificationsBefore)
  })

  it('notices a burn by polling while the subscription is down, then resubscribes', async () => {
    const pollIntervalMs = 1_000
    const w = await watched(pollIntervalMs)
    const { wsServer } = w.fixture
    wsServer.setRefusing(true)
    wsServer.dropAll()
    await waitFor(() => w.holders.metrics().subscription === 'polling', {
      timeoutMs: 5_000,
      message: 'polling',
    })
    expect(w.holders.metrics().subscriptionDrops).toBeGreaterThanOrEqual(1)

    const times = await timeRevocations(w, `polling every ${pollIntervalMs} ms`, 0, 3, pollIntervalMs + 5_000)
    for (const ms of times) expect(ms).toBeLessThan(pollIntervalMs + 2_000)
    expect(w.holders.metrics().changes.poll).toBeGreaterThanOrEqual(3)

    // The WebSocket endpoint comes back: the watch resubscribes (with backoff) and hears the next burn.
    const connections = wsServer.connectionCount()
    wsServer.setRefusing(false)
    await waitFor(() => wsServer.subscriptionCount() > 0 && wsServer.connectionCount() > connections, {
      timeoutMs: 35_000,
      message: 'the resubscription',
    })
    await waitFor(() => w.holders.metrics().subscription === 'subscribed', {
      timeoutMs: 5_000,
      message: 'subscribed',
    })
    const [again] = await timeRevocations(w, 'programSubscribe after resubscribing', 3, 1, 5_000)
    expect(again).toBeLessThan(3_000)
  }, 60_000)

  // While the subscription is down, the registry is read every pollIntervalMs: a change is seen within
  // one interval plus one read.
  it('notices a burn by polling at the default interval while the subscription is down', async () => {
    const w = await watched(WATCH_DEFAULTS.pollIntervalMs, 1)
    w.fixture.wsServer.setRefusing(true)
    w.fixture.wsServer.dropAll()
    await waitFor(() => w.holders.metrics().subscription === 'polling', {
      timeoutMs: 5_000,
      message: 'polling',
    })
    const label = `polling at the default ${WATCH_DEFAULTS.pollIntervalMs} ms`
    const [ms] = await timeRevocations(w, label, 0, 1, WATCH_DEFAULTS.pollIntervalMs + 5_000)
    expect(ms).toBeLessThan(WATCH_DEFAULTS.pollIntervalMs + 2_000)
  })

  it('stops: unsubscribes, and calls onChange no more', async () => {
    const w = await watched(200, 1)
    stops.pop()?.()
    await waitFor(() => w.fixture.wsServer.subscriptionCount() === 0, {
      timeoutMs: 5_000,
      message: 'unsubscribe',
    })
    expect(w.holders.metrics().subscription).toBe('off')
    const seen = w.changes.length
    const [operator] = w.operators
    if (operator === undefined) throw new Error('no operator')
    await w.fixture.chain.burn(operator.tokenAccount, w.mint, operator.wallet, 1n)
    expect(w.fixture.wsServer.notificationCount()).toBe(0)
    expect(w.changes.length).toBe(seen)
  })

  it('stops when its signal aborts', async () => {
    fixture = await startLiteSvmFixture()
    const { rpcServers, wsServer } = fixture
    const rpc = createRegistryRpc({ endpoints: rpcServers.map((s) => s.url) })
    const holders = tokenHolders({ rpc, mint: (await fixture.chain.createMint()) as string })
    const abort = new AbortController()
    stops.push(holders.watch({ wsEndpoint: wsServer.url, onChange: () => {}, signal: abort.signal }))
    await waitFor(() => wsServer.subscriptionCount() > 0, { timeoutMs: 5_000, message: 'the subscription' })
    abort.abort()
    await waitFor(() => wsServer.subscriptionCount() === 0, { timeoutMs: 5_000, message: 'unsubscribe' })
    expect(holders.metrics().subscription).toBe('off')
  })
})
