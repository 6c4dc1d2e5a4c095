/**
 * A fixed test vector: the Solana keypair whose Ed25519 seed is the bytes 1..32. PUBLIC TEST DATA,
 * never a real wallet.
 *
 * The strings were computed once, independently of this package: the wallet with
 * `@solana/web3.js` 1.99 `Keypair.fromSeed(seed).publicKey.toBase58()`, and the PeerId by hand as
 * base58btc(identity multihash 0x00 0x24 ‖ protobuf 0x08 0x01 0x12 0x20 ‖ public key). The PeerId
 * was also cross-checked with go-libp2p v0.51.0 `peer.IDFromPublicKey` (a throwaway Go program).
 */
export const VECTOR_SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1)

export const VECTOR_WALLET = '9C6hybhQ6Aycep9jaUnP6uL9ZYvDjUp1aSkFWPUFJtpj'

export const VECTOR_PEER_ID = '12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf'

export const VECTOR_SECRET_KEY_BASE58 =
  '2Ana1pUpv2ZbMVkwF5FXapYeBEjdxDatLn7nvJkhgTSdZd8hbDHTd21as7EAsg7ypityqfsw2pMQKJcVDVcAEsd'

/** The 64 bytes as solana-keygen writes them: seed ‖ public key. */
export const VECTOR_SECRET_KEY = Uint8Array.from([
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
  30, 31, 32, 121, 181, 86, 46, 143, 230, 84, 249, 64, 120, 177, 18, 232, 169, 139, 167, 144, 31, 133, 58,
  230, 149, 190, 215, 224, 227, 145, 11, 173, 4, 150, 100,
])

/** The solana-keygen keypair file content of the vector. */
export const VECTOR_SECRET_KEY_JSON = JSON.stringify(Array.from(VECTOR_SECRET_KEY))
