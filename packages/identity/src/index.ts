// The error catalogue, so a user of this package alone can branch on codes.
export {
  DEPIN_ERROR_CODES,
  DepinError,
  type DepinErrorCode,
  type DepinErrorOptions,
  isDepinError,
  walk,
} from '@depin/errors'
export { decodeBase58, encodeBase58 } from './base58.js'
export { type BootstrapNode, bootstrapNodeToMultiaddrs } from './bootstrap.js'
export { describeValue } from './describe.js'
export {
  InvalidBootstrapNodeError,
  InvalidPeerIdError,
  InvalidSecretKeyError,
  InvalidWalletError,
  KeypairFileError,
} from './errors.js'
export {
  type GeneratedWallet,
  generateWallet,
  identityFromSecretBytes,
  parseSecretKey,
  readKeypairFile,
  SECRET_KEY_LENGTH,
  type SecretKeyInput,
  type WalletIdentity,
} from './secret-key.js'
export { isSmallOrderPoint } from './small-order.js'
export {
  peerIdToWallet,
  peerIdToWalletBytes,
  WALLET_PUBLIC_KEY_LENGTH,
  type WalletInput,
  walletToBase58,
  walletToBytes,
  walletToPeerId,
} from './wallet.js'
