export { decodeBase58, encodeBase58 } from './base58.js'
export { type BootstrapNode, bootstrapNodeToMultiaddrs } from './bootstrap.js'
export { describeValue } from './describe.js'
export {
  DepinError,
  type DepinErrorOptions,
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
export {
  peerIdToWallet,
  peerIdToWalletBytes,
  WALLET_PUBLIC_KEY_LENGTH,
  type WalletInput,
  walletToBase58,
  walletToBytes,
  walletToPeerId,
} from './wallet.js'
