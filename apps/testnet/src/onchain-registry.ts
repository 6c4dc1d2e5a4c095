import type { DatabaseConfig } from '@depin/pubsub'
import { createRegistryRpc, tokenHolders } from '@depin/solana-registry'
import type { SolanaRegistryConfig } from './protocol.js'

/**
 * `--registry litesvm`, a node's side: the authorized wallets are the holders of the testnet's mint,
 * read over the chain's JSON-RPC server, and a programSubscribe on its WebSocket server pushes each
 * change to the gater (revocation within a second instead of one refresh interval).
 */
export function onChainRegistry(
  config: SolanaRegistryConfig,
): Pick<DatabaseConfig, 'getAuthorizedWallets' | 'watchRegistry'> {
  const rpc = createRegistryRpc({ endpoints: [config.rpcUrl], timeoutMs: 5_000 })
  const holders = tokenHolders({ rpc, mint: config.mint, minAmount: 1n })
  return {
    getAuthorizedWallets: holders.getAuthorizedWallets,
    watchRegistry: ({ onChange, signal }) => {
      holders.watch({ wsEndpoint: config.wsUrl, onChange, signal })
    },
  }
}
