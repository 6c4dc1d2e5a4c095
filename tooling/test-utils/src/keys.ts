import { type GeneratedWallet, generateWallet } from '@depin/identity'

/** `count` fresh wallets (secret key, identity, base58 address) for a test. */
export function generateWallets(count: number): GeneratedWallet[] {
  return Array.from({ length: count }, () => generateWallet())
}

export { type GeneratedWallet, generateWallet }
