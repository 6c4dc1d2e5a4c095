import { ConfigIssues } from '@depin/errors'
import {
  type BootstrapNode,
  bootstrapNodeToMultiaddrs,
  type WalletInput,
  walletToBase58,
} from '@depin/identity'
import { checkAddress } from './config-checks.js'
import { InvalidSolanaRegistryConfigError } from './errors.js'
import type { ProgramAccountsFilter, RegistryRpc } from './rpc.js'
import type { ProgramAccount } from './rpc-answer.js'
import { createRegistrySource, type RegistrySource } from './source.js'

/** What a decoder makes of one account: a wallet, a bootstrap node, both, or nothing (`undefined`). */
export interface DecodedAccount {
  wallet?: WalletInput | undefined
  bootstrap?: BootstrapNode | undefined
}

/** Options of {@link programAccounts}. */
export interface ProgramAccountsInit {
  /** The RPC client (`createRegistryRpc`). */
  rpc: RegistryRpc
  /** The registry program (base58). */
  programId: string
  /** `getProgramAccounts` filters, passed through (memcmp bytes in base58). @default [] */
  filters?: readonly ProgramAccountsFilter[]
  /**
   * Decodes one account. A decoder that throws, or returns something that is not a wallet or a
   * valid bootstrap node, makes that account junk (skipped and counted), never a failed read.
   */
  decode: (account: ProgramAccount) => DecodedAccount | undefined
}

/**
 * A registry held in a custom program's accounts, decoded by the application into wallets and
 * bootstrap nodes. Throws {@link InvalidSolanaRegistryConfigError} listing every bad option.
 *
 * @example
 * const registry = programAccounts({
 *   rpc, programId: REGISTRY_PROGRAM, filters: [{ dataSize: 72 }],
 *   decode: ({ data }) => ({ wallet: data.subarray(8, 40) }),
 * })
 */
export function programAccounts(init: ProgramAccountsInit): RegistrySource {
  const issues = new ConfigIssues()
  if (typeof init?.rpc?.getProgramAccounts !== 'function')
    issues.add('rpc', 'must come from createRegistryRpc()')
  checkAddress(issues, 'programId', init?.programId)
  if (typeof init?.decode !== 'function') issues.add('decode', 'must be a function')
  const filters = init?.filters ?? []
  if (!Array.isArray(filters)) issues.add('filters', 'must be an array')
  else for (const [i, filter] of filters.entries()) checkFilter(issues, `filters[${i}]`, filter)
  issues.throwIfAny((list) => new InvalidSolanaRegistryConfigError(list))

  return createRegistrySource(init.rpc, {
    kind: 'program accounts',
    programId: init.programId,
    filters,
    async read(signal) {
      const accounts = await init.rpc.getProgramAccounts(
        init.programId,
        signal === undefined ? { filters } : { filters, signal },
      )
      const wallets = new Set<string>()
      const bootstrap: BootstrapNode[] = []
      let junk = 0
      for (const account of accounts) {
        const decoded = decodeSafely(init.decode, account)
        if (decoded === 'junk') junk++
        else if (decoded !== undefined) {
          if (decoded.wallet !== undefined) wallets.add(decoded.wallet)
          if (decoded.bootstrap !== undefined) bootstrap.push(decoded.bootstrap)
        }
      }
      return { wallets: [...wallets], bootstrap, accounts: accounts.length, junk }
    },
  })
}

function decodeSafely(
  decode: ProgramAccountsInit['decode'],
  account: ProgramAccount,
): { wallet?: string; bootstrap?: BootstrapNode } | undefined | 'junk' {
  try {
    const decoded = decode({ ...account, data: account.data.slice() })
    if (decoded === undefined || decoded === null) return undefined
    if (typeof decoded !== 'object') return 'junk'
    const result: { wallet?: string; bootstrap?: BootstrapNode } = {}
    if (decoded.wallet !== undefined) result.wallet = walletToBase58(decoded.wallet)
    if (decoded.bootstrap !== undefined) {
      bootstrapNodeToMultiaddrs(decoded.bootstrap) // throws on a bad field
      result.bootstrap = { ...decoded.bootstrap, publicKey: walletToBase58(decoded.bootstrap.publicKey) }
    }
    return result
  } catch {
    return 'junk'
  }
}

function checkFilter(issues: ConfigIssues, field: string, filter: unknown): void {
  const f = filter as { memcmp?: { offset?: unknown; bytes?: unknown }; dataSize?: unknown } | null
  if (typeof f?.dataSize === 'number' && Number.isInteger(f.dataSize) && f.dataSize >= 0) return
  const memcmp = f?.memcmp
  if (memcmp !== undefined && memcmp !== null) {
    if (typeof memcmp.offset !== 'number' || !Number.isInteger(memcmp.offset) || memcmp.offset < 0) {
      issues.add(`${field}.memcmp.offset`, 'must be an integer >= 0')
    }
    if (typeof memcmp.bytes !== 'string' || !/^[1-9A-HJ-NP-Za-km-z]+$/.test(memcmp.bytes)) {
      issues.add(`${field}.memcmp.bytes`, 'must be base58')
    }
    return
  }
  issues.add(field, 'must be { memcmp: { offset, bytes } } or { dataSize }')
}
