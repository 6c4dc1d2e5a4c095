import { ConfigIssues } from '@depin/errors'
import type { BootstrapNode } from '@depin/identity'
import { getAddressDecoder, getU64Decoder } from '@solana/kit'
import { checkAddress } from './config-checks.js'
import { InvalidSolanaRegistryConfigError } from './errors.js'
import type { ProgramAccountsFilter, RegistryRpc } from './rpc.js'
import { createRegistrySource, type RegistrySource } from './source.js'

/** The SPL Token program. */
export const TOKEN_PROGRAM_ID = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'
/** The Token-2022 (Token Extensions) program. */
export const TOKEN_2022_PROGRAM_ID = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'

/** Where the SPL token account layout keeps what a holder list needs (byte offsets and values). */
const LAYOUT = {
  /** Size of a token account without extensions. */
  size: 165,
  owner: 32,
  amount: 64,
  state: 108,
  initialized: 1,
  frozen: 2,
  /** Token-2022: the account type byte after the base layout (2 = token account). */
  accountType: 165,
  tokenAccount: 2,
} as const

/** Options of {@link tokenHolders}. */
export interface TokenHoldersInit {
  /** The RPC client (`createRegistryRpc`). */
  rpc: RegistryRpc
  /** The mint (base58). */
  mint: string
  /** Smallest total balance, in base units, summed over a wallet's token accounts, that authorizes it. @default 1n */
  minAmount?: bigint | number
  /** The program that owns the mint. @default 'token' */
  tokenProgram?: 'token' | 'token-2022'
  /** Whether frozen token accounts count (a soulbound membership token is frozen by design). @default true */
  includeFrozen?: boolean
  /** What `getBootstrapNodes` returns: a holder registry publishes no addresses. @default [] */
  bootstrapNodes?: BootstrapNode[]
}

/**
 * A registry of the wallets holding at least `minAmount` of a mint (SPL Token or Token-2022), read
 * with `getProgramAccounts` on the token program filtered by mint.
 * Throws {@link InvalidSolanaRegistryConfigError} listing every bad option.
 *
 * @example
 * const registry = tokenHolders({ rpc, mint: 'So11111111111111111111111111111111111111112', minAmount: 1n })
 * await connect({ ..., getAuthorizedWallets: registry.getAuthorizedWallets, getBootstrapNodes: registry.getBootstrapNodes })
 */
export function tokenHolders(init: TokenHoldersInit): RegistrySource {
  const issues = new ConfigIssues()
  if (typeof init?.rpc?.getProgramAccounts !== 'function')
    issues.add('rpc', 'must come from createRegistryRpc()')
  checkAddress(issues, 'mint', init?.mint)
  const min = init?.minAmount ?? 1n
  if (
    !(
      (typeof min === 'bigint' && min >= 0n) ||
      (typeof min === 'number' && Number.isSafeInteger(min) && min >= 0)
    )
  ) {
    issues.add('minAmount', 'must be an integer >= 0 (base units of the mint)')
  }
  if (
    init?.tokenProgram !== undefined &&
    init.tokenProgram !== 'token' &&
    init.tokenProgram !== 'token-2022'
  ) {
    issues.add('tokenProgram', "must be 'token' or 'token-2022'")
  }
  if (init?.bootstrapNodes !== undefined && !Array.isArray(init.bootstrapNodes)) {
    issues.add('bootstrapNodes', 'must be an array')
  }
  issues.throwIfAny((list) => new InvalidSolanaRegistryConfigError(list))

  const minAmount = BigInt(min)
  const classic = (init.tokenProgram ?? 'token') === 'token'
  const programId = classic ? TOKEN_PROGRAM_ID : TOKEN_2022_PROGRAM_ID
  const includeFrozen = init.includeFrozen ?? true
  // Token-2022 accounts with extensions are longer than 165 bytes, so only the classic program filters by size.
  const filters: ProgramAccountsFilter[] = [{ memcmp: { offset: 0, bytes: init.mint } }]
  if (classic) filters.push({ dataSize: LAYOUT.size })
  const addresses = getAddressDecoder()
  const u64 = getU64Decoder()

  return createRegistrySource(init.rpc, {
    kind: 'token holders',
    programId,
    filters,
    staticBootstrap: [...(init.bootstrapNodes ?? [])],
    async read(signal) {
      const accounts = await init.rpc.getProgramAccounts(
        programId,
        signal === undefined ? { filters } : { filters, signal },
      )
      const totals = new Map<string, bigint>()
      let junk = 0
      for (const account of accounts) {
        const { data } = account
        const isTokenAccount =
          data.length === LAYOUT.size ||
          (!classic && data.length > LAYOUT.size && data[LAYOUT.accountType] === LAYOUT.tokenAccount)
        if (
          !isTokenAccount ||
          account.owner !== programId ||
          addresses.decode(data.subarray(0, 32)) !== init.mint
        ) {
          junk++
          continue
        }
        const state = data[LAYOUT.state]
        if (state !== LAYOUT.initialized && !(state === LAYOUT.frozen && includeFrozen)) continue
        const owner = addresses.decode(data.subarray(LAYOUT.owner, LAYOUT.owner + 32))
        totals.set(
          owner,
          (totals.get(owner) ?? 0n) + u64.decode(data.subarray(LAYOUT.amount, LAYOUT.amount + 8)),
        )
      }
      const wallets = [...totals].filter(([, total]) => total >= minAmount).map(([owner]) => owner)
      return { wallets, bootstrap: init.bootstrapNodes ?? [], accounts: accounts.length, junk }
    },
  })
}
