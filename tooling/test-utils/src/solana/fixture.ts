import type { Address, KeyPairSigner } from '@solana/kit'
import { createTestChain, type TestChain, type TokenProgramKind } from './chain.js'
import { startTestRpcServer, type TestRpcServer } from './rpc-server.js'
import { startTestWsServer, type TestWsServer } from './ws-server.js'

/** A LiteSVM chain with `rpcCount` JSON-RPC servers and one WebSocket server, all answering from it. */
export interface LiteSvmFixture {
  chain: TestChain
  rpcServers: TestRpcServer[]
  wsServer: TestWsServer
  /** Stops every server (idempotent). */
  stop(): Promise<void>
}

/** Starts a {@link LiteSvmFixture}; call `stop()` in `afterEach`. */
export async function startLiteSvmFixture(options: { rpcCount?: number } = {}): Promise<LiteSvmFixture> {
  const chain = await createTestChain()
  const rpcServers: TestRpcServer[] = []
  let wsServer: TestWsServer | undefined
  const stop = async (): Promise<void> => {
    await Promise.all([...rpcServers.map((server) => server.stop()), wsServer?.stop()])
  }
  try {
    for (let i = 0; i < (options.rpcCount ?? 1); i++) rpcServers.push(await startTestRpcServer(chain))
    wsServer = await startTestWsServer(chain)
  } catch (err) {
    await stop()
    throw err
  }
  return { chain, rpcServers, wsServer, stop }
}

/** An operator: a wallet (funded, so it can sign) and its associated token account for a mint. */
export interface Operator {
  wallet: KeyPairSigner
  tokenAccount: Address
}

/**
 * Creates a mint and one operator per amount, each with an associated token account holding that
 * amount (an amount of 0n creates the empty account), all through real transactions.
 */
export async function mintToOperators(
  chain: TestChain,
  amounts: readonly bigint[],
  tokenProgram: TokenProgramKind = 'token',
): Promise<{ mint: Address; operators: Operator[] }> {
  const mint = await chain.createMint({ tokenProgram })
  const operators: Operator[] = []
  for (const amount of amounts) {
    const wallet = await chain.createWallet()
    const tokenAccount = await chain.createAssociatedTokenAccount(mint, wallet.address)
    if (amount > 0n) await chain.mintTo(mint, tokenAccount, amount)
    operators.push({ wallet, tokenAccount })
  }
  return { mint, operators }
}
