import { connect, type Database, type DatabaseConfig } from '@depin/pubsub'
import type { GeneratedWallet } from '@depin/test-utils'

/**
 * `connect()` of a loopback TS node of `wallet` in `databaseName`, admitting `authorized`, with no
 * bootstrap nodes (tests dial it or hand its address to others); pushed onto `opened` so that
 * afterEach disconnects it.
 */
export async function openDatabase(
  opened: Database[],
  wallet: GeneratedWallet,
  databaseName: string,
  authorized: string[],
  extra: Partial<DatabaseConfig> = {},
): Promise<Database> {
  const db = await connect({
    walletPrivateKey: wallet.secretKeyBase58,
    databaseName,
    getAuthorizedWallets: async () => authorized,
    getBootstrapNodes: async () => [],
    listenPorts: { quic: 0, tcp: 0 },
    listenHost: '127.0.0.1',
    refreshIntervalMs: 60_000,
    ...extra,
  })
  opened.push(db)
  return db
}
