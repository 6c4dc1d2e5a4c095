import { expect, it } from 'vitest'

it('exports exactly the public API (a change here is an API change: add a changeset)', async () => {
  expect(Object.keys(await import('../src/index.js')).sort()).toMatchInlineSnapshot(`
    [
      "DEPIN_ERROR_CODES",
      "DepinError",
      "InvalidBootstrapNodeError",
      "InvalidPeerIdError",
      "InvalidSecretKeyError",
      "InvalidWalletError",
      "KeypairFileError",
      "SECRET_KEY_LENGTH",
      "WALLET_PUBLIC_KEY_LENGTH",
      "bootstrapNodeToMultiaddrs",
      "decodeBase58",
      "describeValue",
      "encodeBase58",
      "generateWallet",
      "identityFromSecretBytes",
      "isDepinError",
      "isSmallOrderPoint",
      "parseSecretKey",
      "peerIdToWallet",
      "peerIdToWalletBytes",
      "readKeypairFile",
      "walk",
      "walletToBase58",
      "walletToBytes",
      "walletToPeerId",
    ]
  `)
})
