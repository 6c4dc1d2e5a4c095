import type { LiteSvmFixture } from '@depin/test-utils/solana'
import { type Address, address, createKeyPairSignerFromBytes } from '@solana/kit'
import type { SolanaRegistryConfig } from './protocol.js'

/** `--registry litesvm`, the parent's side: the chain, its servers, the mint and each wallet's token account. */
export interface OnChainRegistry {
  readonly config: SolanaRegistryConfig
  /** Revokes a wallet on chain: burns its token in a real transaction, signed by the wallet. */
  revoke(wallet: string, secretKey: Uint8Array): Promise<void>
  stop(): Promise<void>
}

/**
 * Starts a LiteSVM chain with a JSON-RPC and a WebSocket server on 127.0.0.1, creates a mint and
 * gives every wallet one token through real transactions. Loaded only with `--registry litesvm`.
 */
export async function startOnChainRegistry(wallets: Iterable<string>): Promise<OnChainRegistry> {
  const { startLiteSvmFixture } = await import('@depin/test-utils/solana')
  const fixture: LiteSvmFixture = await startLiteSvmFixture()
  try {
    const { chain, rpcServers, wsServer } = fixture
    const mint = await chain.createMint()
    const accounts = new Map<string, Address>()
    for (const wallet of wallets) {
      const account = await chain.createAssociatedTokenAccount(mint, address(wallet))
      await chain.mintTo(mint, account, 1n)
      accounts.set(wallet, account)
    }
    return {
      config: { rpcUrl: (rpcServers[0] as { url: string }).url, wsUrl: wsServer.url, mint },
      async revoke(wallet, secretKey) {
        const account = accounts.get(wallet)
        if (account === undefined) throw new Error(`wallet ${wallet} holds no token of the testnet mint`)
        await chain.burn(account, mint, await createKeyPairSignerFromBytes(secretKey), 1n)
      },
      stop: () => fixture.stop(),
    }
  } catch (err) {
    await fixture.stop()
    throw err
  }
}
