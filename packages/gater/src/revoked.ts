import { encodeBase58, walletToPeerId } from '@depin/identity'
import type { WalletRevokedDetail } from './gater-api.js'

/** The wallet (base58) and PeerId string of a revoked wallet key. */
export function revokedWalletDetail(key: Uint8Array): WalletRevokedDetail {
  let peerId: string
  try {
    peerId = walletToPeerId(key).toString()
  } catch {
    peerId = ''
  }
  return { wallet: encodeBase58(key), peerId }
}
