import { isAddress } from '@solana/kit'

/** One account of a `getProgramAccounts` answer, checked and decoded. */
export interface ProgramAccount {
  /** The account's address (base58). */
  address: string
  /** The account's data. */
  data: Uint8Array
  /** The program that owns the account (base58). */
  owner: string
  /** The account's balance in lamports. */
  lamports: bigint
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * The accounts of a `getProgramAccounts` answer (`encoding: 'base64'`), or a string saying why the
 * answer is junk. One malformed entry makes the whole answer junk: a partial set is never used.
 */
export function parseProgramAccounts(result: unknown): ProgramAccount[] | string {
  if (!Array.isArray(result)) return 'result is not an array'
  const accounts: ProgramAccount[] = []
  for (const [index, entry] of result.entries()) {
    const account = parseEntry(entry)
    if (typeof account === 'string') return `result[${index}] ${account}`
    accounts.push(account)
  }
  return accounts
}

function parseEntry(entry: unknown): ProgramAccount | string {
  if (typeof entry !== 'object' || entry === null) return 'is not an object'
  const { pubkey, account } = entry as { pubkey?: unknown; account?: unknown }
  if (typeof pubkey !== 'string' || !isAddress(pubkey)) return 'has no valid pubkey'
  if (typeof account !== 'object' || account === null) return 'has no account'
  const { data, owner, lamports } = account as { data?: unknown; owner?: unknown; lamports?: unknown }
  if (typeof owner !== 'string' || !isAddress(owner)) return 'has no valid owner'
  if (typeof lamports !== 'number' || !Number.isInteger(lamports) || lamports < 0) {
    return 'has no valid lamports'
  }
  if (!Array.isArray(data) || data[1] !== 'base64' || typeof data[0] !== 'string' || !BASE64.test(data[0])) {
    return 'has no base64 data'
  }
  return {
    address: pubkey,
    data: new Uint8Array(Buffer.from(data[0], 'base64')),
    owner,
    lamports: BigInt(lamports),
  }
}

/**
 * The accounts of a `getMultipleAccounts` answer for `addresses` (`encoding: 'base64'`), or a string
 * saying why the answer is junk. An account closed since it was listed (`null`) is left out; one
 * that another program owns now is left out too (it is no longer the registry's).
 */
export function parseMultipleAccounts(
  addresses: readonly string[],
  programId: string,
): (result: unknown) => ProgramAccount[] | string {
  return (result) => {
    const value = (result as { value?: unknown } | null)?.value
    if (!Array.isArray(value) || value.length !== addresses.length) {
      return `value is not an array of ${addresses.length} accounts`
    }
    const accounts: ProgramAccount[] = []
    for (const [index, account] of value.entries()) {
      if (account === null) continue
      const parsed = parseEntry({ pubkey: addresses[index], account })
      if (typeof parsed === 'string') return `value[${index}] ${parsed}`
      if (parsed.owner === programId) accounts.push(parsed)
    }
    return accounts
  }
}
