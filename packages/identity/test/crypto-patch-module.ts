import { createRequire } from 'node:module'

/** The patched module behind `@libp2p/crypto/keys`' Ed25519 keys (not exported by the package). */
export interface Ed25519Module {
  ed25519Backend(): 'libsodium' | 'openssl'
  hashAndVerify(key: Uint8Array, sig: Uint8Array, msg: Uint8Array): boolean
  hashAndSign(key: Uint8Array, msg: Uint8Array): Uint8Array
}

/** The URL of that module, beside `@libp2p/crypto/keys`' entry (the same instance the keys use). */
export function ed25519ModuleUrl(): string {
  return new URL('./ed25519/index.js', import.meta.resolve('@libp2p/crypto/keys')).href
}

export async function ed25519Module(): Promise<Ed25519Module> {
  return (await import(ed25519ModuleUrl())) as Ed25519Module
}

/** sodium-native as the patch loads it (resolved from the patched module: one instance). */
export function sodiumOfPatch(): {
  crypto_sign_verify_detached(sig: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean
} {
  return createRequire(ed25519ModuleUrl())('sodium-native')
}
