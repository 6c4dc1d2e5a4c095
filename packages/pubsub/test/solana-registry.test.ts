import { createRegistryRpc, type RegistrySource, tokenHolders } from '@depin/solana-registry'
import { type GeneratedWallet, generateWallets, waitFor } from '@depin/test-utils'
import { type LiteSvmFixture, startLiteSvmFixture } from '@depin/test-utils/solana'
import { type Address, address, createKeyPairSignerFromBytes } from '@solana/kit'
import { afterEach, describe, expect, it } from 'vitest'
import type { Database } from '../src/index.js'
import {
  bootstrapEntryOf,
  createDatabaseTracker,
  createInMemoryRegistry,
  testConfig,
} from './fixtures/network.js'

// End to end: the registry is a token mint in LiteSVM, read by @depin/solana-registry over the test
// JSON-RPC server; a real burn transaction revokes a node, and the connection closes. The refresh
// interval is ten minutes, so only the pushed change (subscription, or polling while the
// subscription is down) can revoke within the test. The times are printed for the note.

const NEVER = 600_000
const dbs = createDatabaseTracker()
let fixture: LiteSvmFixture | undefined
afterEach(async () => {
  await dbs.disconnectAll()
  await fixture?.stop()
  fixture = undefined
})

interface Network {
  a: Database
  b: Database
  holders: RegistrySource
  mint: Address
  bAccount: Address
  bWallet: GeneratedWallet
}

/** A holds its registry on chain (a mint both wallets hold); B trusts A through a local registry. */
async function network(pollIntervalMs: number): Promise<Network> {
  fixture = await startLiteSvmFixture()
  const { chain, rpcServers, wsServer } = fixture
  const [aWallet, bWallet] = generateWallets(2) as [GeneratedWallet, GeneratedWallet]
  const mint = await chain.createMint()
  const accounts: Address[] = []
  for (const wallet of [aWallet, bWallet]) {
    const account = await chain.createAssociatedTokenAccount(mint, address(wallet.wallet))
    await chain.mintTo(mint, account, 1n)
    accounts.push(account)
  }
  const rpc = createRegistryRpc({ endpoints: rpcServers.map((s) => s.url), timeoutMs: 2_000 })
  const holders = tokenHolders({ rpc, mint, minAmount: 1n })
  const a = await dbs.connect(
    testConfig(aWallet, 'onchain', holders, [], {
      refreshIntervalMs: NEVER,
      watchRegistry: ({ onChange, signal }) => {
        holders.watch({ wsEndpoint: wsServer.url, onChange, signal, pollIntervalMs })
      },
    }),
  )
  const b = await dbs.connect(
    testConfig(bWallet, 'onchain', createInMemoryRegistry([aWallet.wallet, bWallet.wallet]), [
      bootstrapEntryOf(a, aWallet.wallet),
    ]),
  )
  await a.waitUntilReady({ timeoutMs: 15_000 })
  expect(a.peers()).toContain(b.peerId)
  await waitFor(() => holders.metrics().subscription === 'subscribed', {
    message: 'the program subscription',
  })
  return { a, b, holders, mint, bAccount: accounts[1] as Address, bWallet }
}

/** Burns B's only token in a real transaction; resolves with ms until A no longer holds a connection to B. */
async function burnAndTime(net: Network): Promise<number> {
  const owner = await createKeyPairSignerFromBytes(net.bWallet.secretKey)
  const started = performance.now()
  await fixture!.chain.burn(net.bAccount, net.mint, owner, 1n)
  await waitFor(() => !net.a.peers().includes(net.b.peerId), {
    timeoutMs: 15_000,
    message: 'the burned wallet disconnected',
  })
  return Math.round(performance.now() - started)
}

describe('@depin/solana-registry end to end (LiteSVM)', () => {
  it('burning a node’s tokens disconnects it within seconds through the subscription', {
    timeout: 45_000,
  }, async () => {
    const net = await network(5_000)
    const ms = await burnAndTime(net)
    console.log(`[solana-registry e2e] burn → connection closed, programSubscribe: ${ms} ms`)
    expect(net.a.metrics().gater.revocations).toBe(1)
    expect(net.holders.metrics().subscription).toBe('subscribed')
  })

  it('with the subscription down, polling revokes it within about one poll interval', {
    timeout: 45_000,
  }, async () => {
    const net = await network(1_000)
    fixture!.wsServer.setRefusing(true)
    fixture!.wsServer.dropAll()
    await waitFor(() => net.holders.metrics().subscription === 'polling', { message: 'polling' })
    const ms = await burnAndTime(net)
    console.log(`[solana-registry e2e] burn → connection closed, polling every 1000 ms: ${ms} ms`)
    expect(net.a.metrics().gater.revocations).toBe(1)
  })
})
