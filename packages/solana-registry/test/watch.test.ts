import { waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createRegistryRpc, TOKEN_PROGRAM_ID, tokenHolders } from '../src/index.js'
import { accountEntry, addressOf, type FakeRpc, startFakeRpc, tokenAccountData } from './fake-rpc.js'
import { type FakeWs, startFakeWs } from './fake-ws.js'

const MINT = addressOf(7)
const [ALICE, BOB] = [addressOf(11), addressOf(12)]
const holding = (owner: string, n: number) =>
  accountEntry(addressOf(100 + n), TOKEN_PROGRAM_ID, tokenAccountData({ mint: MINT, owner, amount: 1n }))

let rpcServer: FakeRpc | undefined
let ws: FakeWs | undefined
let stopWatch: (() => void) | undefined
afterEach(async () => {
  stopWatch?.()
  await rpcServer?.stop()
  await ws?.stop()
  stopWatch = rpcServer = ws = undefined
})

async function setup() {
  const rpcStarted = await startFakeRpc(() => ({ result: [holding(ALICE, 1), holding(BOB, 2)] }))
  rpcServer = rpcStarted
  ws = await startFakeWs()
  const holders = tokenHolders({ rpc: createRegistryRpc({ endpoints: [rpcStarted.url] }), mint: MINT })
  await holders.getAuthorizedWallets({ signal: AbortSignal.timeout(5_000) })
  return { holders, rpcServer: rpcStarted, ws }
}

describe('watch', () => {
  it('subscribes with the same filters and calls onChange once for a burst of notifications', async () => {
    const { holders, ws } = await setup()
    let changes = 0
    stopWatch = holders.watch({ wsEndpoint: ws.url, onChange: () => changes++ })
    await waitFor(() => ws.subscribers() === 1 && holders.metrics().subscription === 'subscribed', {
      timeoutMs: 5_000,
    })
    expect(ws.subscribes[0]).toEqual([
      TOKEN_PROGRAM_ID,
      expect.objectContaining({
        commitment: 'confirmed',
        encoding: 'base64',
        filters: [{ memcmp: { offset: 0, bytes: MINT, encoding: 'base58' } }, { dataSize: 165 }],
      }),
    ])
    ws.notify()
    ws.notify()
    ws.notify()
    await waitFor(() => changes === 1, { timeoutMs: 5_000 })
    await waitFor(() => holders.metrics().notifications === 3, { timeoutMs: 5_000 })
    expect(holders.metrics().changes).toEqual({ notification: 1, poll: 0, resubscribed: 0 })
  })

  it('polls while the subscription is down, calls onChange on a difference, and resubscribes', async () => {
    const { holders, rpcServer, ws } = await setup()
    let changes = 0
    stopWatch = holders.watch({ wsEndpoint: ws.url, onChange: () => changes++, pollIntervalMs: 50 })
    await waitFor(() => ws.subscribers() === 1, { timeoutMs: 5_000 })

    ws.refuse = true
    ws.dropAll()
    await waitFor(() => holders.metrics().subscription === 'polling', { timeoutMs: 5_000 })
    const reads = rpcServer.requests.length
    await waitFor(() => rpcServer.requests.length > reads + 1, { timeoutMs: 5_000 }) // polls, unchanged
    expect(changes).toBe(0)

    rpcServer.answer = () => ({ result: [holding(ALICE, 1)] }) // BOB burnt his token
    await waitFor(() => changes === 1, { timeoutMs: 5_000 })
    expect(holders.metrics().changes.poll).toBe(1)
    expect(await holders.getAuthorizedWallets({ signal: AbortSignal.timeout(5_000) })).toEqual([ALICE])

    ws.refuse = false
    await waitFor(() => holders.metrics().subscription === 'subscribed', { timeoutMs: 10_000 })
    expect(holders.metrics().changes.resubscribed).toBe(1)
    expect(holders.metrics().subscriptionDrops).toBe(1)
  })

  it('stops on its signal: no more subscription, polling or onChange', async () => {
    const { holders, ws } = await setup()
    const controller = new AbortController()
    let changes = 0
    holders.watch({ wsEndpoint: ws.url, onChange: () => changes++, signal: controller.signal })
    await waitFor(() => ws.subscribers() === 1, { timeoutMs: 5_000 })
    controller.abort()
    expect(holders.metrics().subscription).toBe('off')
    await waitFor(() => ws.subscribers() === 0 && ws.connections() === 0, {
      timeoutMs: 5_000,
      message: 'the socket closed',
    })
    ws.notify()
    expect(changes).toBe(0)
  })

  it('rejects bad options, naming each', () => {
    const holders = tokenHolders({
      rpc: createRegistryRpc({ endpoints: ['http://127.0.0.1:1'] }),
      mint: MINT,
    })
    expect(() => holders.watch({ wsEndpoint: 'http://x', onChange: 1 as never, pollIntervalMs: 0 })).toThrow(
      /wsEndpoint: must be a ws or wss URL; onChange: must be a function; pollIntervalMs: must be an integer/,
    )
  })
})
