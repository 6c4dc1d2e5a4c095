import {
  type Address,
  getBase58Decoder,
  getBase58Encoder,
  getBase64Decoder,
  getBase64Encoder,
} from '@solana/kit'

/** An account as the test chain stores it (LiteSVM's `EncodedAccount` fields we serve). */
export interface ChainAccount {
  address: Address
  data: Uint8Array
  owner: Address
  lamports: bigint
  executable: boolean
}

/** A `getProgramAccounts` / `programSubscribe` filter, as JSON-RPC sends it. */
export type RpcFilter =
  | { dataSize: number }
  | { memcmp: { offset: number; bytes: string; encoding?: 'base58' | 'base64' } }

/** The config object that `getProgramAccounts`, `getAccountInfo` and the subscriptions take. */
export interface RpcAccountConfig {
  encoding?: string
  filters?: RpcFilter[]
  dataSlice?: { offset: number; length: number }
  withContext?: boolean
  commitment?: string
}

/** A JSON-RPC error raised by a handler: the server answers it as `{ error: { code, message } }`. */
export class RpcMethodError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

/** The system program owns a closed account, as Agave reports it in notifications. */
export const SYSTEM_PROGRAM = '11111111111111111111111111111111' as Address

/** The all-zero account Agave reports for a closed account in `accountNotification`. */
export function closedAccount(address: Address): ChainAccount {
  return { address, data: new Uint8Array(0), owner: SYSTEM_PROGRAM, lamports: 0n, executable: false }
}

/** Reads a JSON-RPC `params[n]` config object, or `{}`. */
export function configAt(params: unknown, index: number): RpcAccountConfig {
  const value = Array.isArray(params) ? params[index] : undefined
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object') throw new RpcMethodError(-32602, 'Invalid params: config is not an object')
  return value as RpcAccountConfig
}

/** Reads a JSON-RPC `params[n]` base58 address string. */
export function addressAt(params: unknown, index: number): Address {
  const value = Array.isArray(params) ? params[index] : undefined
  if (typeof value !== 'string' || !isBase58Address(value)) {
    throw new RpcMethodError(-32602, `Invalid param: not a base58 address at ${index}`)
  }
  return value as Address
}

function isBase58Address(value: string): boolean {
  try {
    return getBase58Encoder().encode(value).length === 32
  } catch {
    return false
  }
}

function filterBytes(memcmp: { bytes: string; encoding?: string }): Uint8Array {
  try {
    if (memcmp.encoding === 'base64') return new Uint8Array(getBase64Encoder().encode(memcmp.bytes))
    if (memcmp.encoding === undefined || memcmp.encoding === 'base58') {
      return new Uint8Array(getBase58Encoder().encode(memcmp.bytes))
    }
  } catch {
    // Falls through to the error below, as Agave answers a bad filter.
  }
  throw new RpcMethodError(-32602, 'Invalid param: memcmp bytes could not be decoded')
}

/** Throws the JSON-RPC error Agave answers for malformed filters, before any account is read. */
export function checkFilters(filters: RpcFilter[] | undefined): void {
  if (filters === undefined) return
  if (!Array.isArray(filters) || filters.length > 4) {
    throw new RpcMethodError(-32602, 'Invalid param: filters must be an array of at most 4')
  }
  for (const filter of filters) {
    if (typeof filter !== 'object' || filter === null)
      throw new RpcMethodError(-32602, 'Invalid param: filter')
    if ('memcmp' in filter) filterBytes(filter.memcmp)
    else if (!('dataSize' in filter)) throw new RpcMethodError(-32602, 'Invalid param: unknown filter')
  }
}

/** Whether `account` passes every filter (Agave's semantics: all must match). */
export function matchesFilters(account: ChainAccount, filters: RpcFilter[] | undefined): boolean {
  if (filters === undefined) return true
  checkFilters(filters)
  for (const filter of filters) {
    if ('dataSize' in filter) {
      if (account.data.length !== filter.dataSize) return false
    } else if ('memcmp' in filter) {
      const bytes = filterBytes(filter.memcmp)
      const { offset } = filter.memcmp
      if (offset + bytes.length > account.data.length) return false
      for (let i = 0; i < bytes.length; i++) if (account.data[offset + i] !== bytes[i]) return false
    } else {
      throw new RpcMethodError(-32602, 'Invalid param: unknown filter')
    }
  }
  return true
}

/** The JSON `AccountInfo` object of the RPC, its data in the requested encoding. */
export function accountJson(account: ChainAccount, config: RpcAccountConfig): Record<string, unknown> {
  let data = account.data
  if (config.dataSlice !== undefined) {
    data = data.subarray(config.dataSlice.offset, config.dataSlice.offset + config.dataSlice.length)
  }
  const encoding = config.encoding ?? 'base58'
  let encoded: unknown
  if (encoding === 'base64') encoded = [getBase64Decoder().decode(data), 'base64']
  else if (encoding === 'base58') encoded = [getBase58Decoder().decode(data), 'base58']
  else throw new RpcMethodError(-32602, `Invalid param: encoding ${encoding} is not served by the test RPC`)
  return {
    data: encoded,
    executable: account.executable,
    lamports: Number(account.lamports),
    owner: account.owner,
    rentEpoch: 0,
    space: account.data.length,
  }
}
