import {
  type Address,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  generateKeyPairSigner,
  type Instruction,
  type KeyPairSigner,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  signTransactionMessageWithSigners,
} from '@solana/kit'
import { getCreateAccountInstruction } from '@solana-program/system'
import * as splToken from '@solana-program/token'
import * as token2022 from '@solana-program/token-2022'
import type { LiteSVM } from 'litesvm'
import type { ChainAccount } from './rpc-accounts.js'

/** Which token program a mint belongs to. */
export type TokenProgramKind = 'token' | 'token-2022'

/** One account a transaction (or `setProgramAccount`) changed: its state before and after. */
export interface AccountChange {
  address: Address
  /** `undefined` when the account did not exist. */
  before: ChainAccount | undefined
  /** `undefined` when the account was closed. */
  after: ChainAccount | undefined
}

/** The slot and the accounts one transaction changed. */
export interface ChainChange {
  slot: bigint
  changes: AccountChange[]
}

/** Program addresses of the two token programs built into LiteSVM. */
export const TOKEN_PROGRAMS: Readonly<Record<TokenProgramKind, Address>> = Object.freeze({
  token: splToken.TOKEN_PROGRAM_ADDRESS,
  'token-2022': token2022.TOKEN_2022_PROGRAM_ADDRESS,
})

const MINT_SIZE = 82n
const TOKEN_ACCOUNT_SIZE = 165n
const SOL = 1_000_000_000n

/** LiteSVM with helpers that execute real, signed transactions (kit keypairs, @solana-program builders). */
export interface TestChain {
  readonly svm: LiteSVM
  /** Pays for every transaction and is every mint's authority. */
  readonly payer: KeyPairSigner
  /** The current slot (advanced by one after every transaction). */
  slot(): bigint
  /** Reads an account (or `undefined` when it does not exist). */
  getAccount(address: Address): ChainAccount | undefined
  /** Every account owned by `programId`. */
  getProgramAccounts(programId: Address): ChainAccount[]
  /** A new wallet, airdropped 1 SOL so it can pay. */
  createWallet(): Promise<KeyPairSigner>
  airdrop(address: Address, amountLamports: bigint): void
  /** Creates and initializes a mint (decimals 0 by default) with the payer as mint authority. */
  createMint(options?: { tokenProgram?: TokenProgramKind; decimals?: number }): Promise<Address>
  /** Creates `owner`'s associated token account for `mint`, returns its address. */
  createAssociatedTokenAccount(mint: Address, owner: Address): Promise<Address>
  /** Creates a plain (non-associated) 165-byte token account of `owner` for `mint`, returns its address. */
  createTokenAccount(mint: Address, owner: Address): Promise<Address>
  mintTo(mint: Address, tokenAccount: Address, amount: bigint): Promise<void>
  transfer(source: Address, destination: Address, owner: KeyPairSigner, amount: bigint): Promise<void>
  burn(tokenAccount: Address, mint: Address, owner: KeyPairSigner, amount: bigint): Promise<void>
  /** Closes an empty token account, its rent going back to `owner`. */
  closeAccount(tokenAccount: Address, owner: KeyPairSigner): Promise<void>
  /** The token amount held by a token account (0n when it does not exist). */
  balanceOf(tokenAccount: Address): bigint
  /**
   * Writes an account owned by an arbitrary program with LiteSVM's `setAccount`: NOT a transaction
   * (no program runs; there is no registry program deployed). `data: undefined` removes the account.
   */
  setProgramAccount(address: Address, programId: Address, data: Uint8Array | undefined): void
  /** Calls `listener` after every transaction or `setProgramAccount` with what changed. */
  onChange(listener: (change: ChainChange) => void): () => void
}

/** Creates a fresh LiteSVM (SPL Token, Token-2022 and the ATA program built in) and a funded payer. */
export async function createTestChain(): Promise<TestChain> {
  // Imported here: an app that bundles this module (the testnet) loads the native addon only when it
  // starts a chain.
  const { FailedTransactionMetadata, LiteSVM } = await import('litesvm')
  const svm = new LiteSVM()
  const payer = await generateKeyPairSigner()
  svm.airdrop(payer.address, lamports(100n * SOL))
  const listeners = new Set<(change: ChainChange) => void>()
  const programOfMint = new Map<Address, Address>()

  const getAccount = (address: Address): ChainAccount | undefined => {
    const account = svm.getAccount(address)
    if (!account.exists) return undefined
    return {
      address,
      data: new Uint8Array(account.data),
      owner: account.programAddress,
      lamports: account.lamports,
      executable: account.executable,
    }
  }

  const publish = (before: Map<Address, ChainAccount | undefined>): void => {
    const changes: AccountChange[] = []
    for (const [address, previous] of before) {
      const after = getAccount(address)
      if (!sameAccount(previous, after)) changes.push({ address, before: previous, after })
    }
    const slot = svm.getClock().slot
    // A new slot and blockhash per transaction: contexts move on and identical transactions are not
    // refused as already processed.
    svm.warpToSlot(slot + 1n)
    svm.expireBlockhash()
    for (const listener of listeners) listener({ slot: slot + 1n, changes })
  }

  const send = async (instructions: Instruction[]): Promise<void> => {
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(payer, m),
      (m) => svm.setTransactionMessageLifetimeUsingLatestBlockhash(m),
      (m) => appendTransactionMessageInstructions(instructions, m),
    )
    const transaction = await signTransactionMessageWithSigners(message)
    const touched = new Set<Address>([payer.address])
    for (const instruction of instructions) {
      for (const meta of instruction.accounts ?? []) touched.add(meta.address)
    }
    const before = new Map<Address, ChainAccount | undefined>()
    for (const address of touched) before.set(address, getAccount(address))
    const result = svm.sendTransaction(transaction)
    if (result instanceof FailedTransactionMetadata) {
      throw new Error(`transaction failed: ${result.toString()}\n${result.meta().logs().join('\n')}`)
    }
    publish(before)
  }

  const programFor = (mint: Address): Address => {
    const program = programOfMint.get(mint) ?? getAccount(mint)?.owner
    if (program === undefined) throw new Error(`unknown mint ${mint}`)
    return program
  }

  const chain: TestChain = {
    svm,
    payer,
    slot: () => svm.getClock().slot,
    getAccount,
    getProgramAccounts: (programId) =>
      svm.getProgramAccounts(programId).map((account) => ({
        address: account.address,
        data: new Uint8Array(account.data),
        owner: account.programAddress,
        lamports: account.lamports,
        executable: account.executable,
      })),
    async createWallet() {
      const wallet = await generateKeyPairSigner()
      chain.airdrop(wallet.address, SOL)
      return wallet
    },
    airdrop(address, amountLamports) {
      const before = new Map([[address, getAccount(address)]])
      const result = svm.airdrop(address, lamports(amountLamports))
      if (result === null || result instanceof FailedTransactionMetadata) {
        throw new Error(`airdrop failed: ${String(result)}`)
      }
      publish(before)
    },
    async createMint(options = {}) {
      const programAddress = TOKEN_PROGRAMS[options.tokenProgram ?? 'token']
      const mint = await generateKeyPairSigner()
      await send([
        getCreateAccountInstruction({
          payer,
          newAccount: mint,
          lamports: svm.minimumBalanceForRentExemption(MINT_SIZE),
          space: MINT_SIZE,
          programAddress,
        }),
        splToken.getInitializeMint2Instruction(
          { mint: mint.address, decimals: options.decimals ?? 0, mintAuthority: payer.address },
          { programAddress },
        ),
      ])
      programOfMint.set(mint.address, programAddress)
      return mint.address
    },
    async createAssociatedTokenAccount(mint, owner) {
      const tokenProgram = programFor(mint)
      const [ata] = await splToken.findAssociatedTokenPda({ owner, mint, tokenProgram })
      await send([splToken.getCreateAssociatedTokenInstruction({ payer, ata, owner, mint, tokenProgram })])
      return ata
    },
    async createTokenAccount(mint, owner) {
      const programAddress = programFor(mint)
      const account = await generateKeyPairSigner()
      await send([
        getCreateAccountInstruction({
          payer,
          newAccount: account,
          lamports: svm.minimumBalanceForRentExemption(TOKEN_ACCOUNT_SIZE),
          space: TOKEN_ACCOUNT_SIZE,
          programAddress,
        }),
        splToken.getInitializeAccount3Instruction(
          { account: account.address, mint, owner },
          { programAddress },
        ),
      ])
      return account.address
    },
    async mintTo(mint, tokenAccount, amount) {
      const programAddress = programFor(mint)
      await send([
        splToken.getMintToInstruction(
          { mint, token: tokenAccount, mintAuthority: payer, amount },
          { programAddress },
        ),
      ])
    },
    async transfer(source, destination, owner, amount) {
      const programAddress = requireOwner(getAccount(source), source)
      await send([
        splToken.getTransferInstruction(
          { source, destination, authority: owner, amount },
          { programAddress },
        ),
      ])
    },
    async burn(tokenAccount, mint, owner, amount) {
      const programAddress = programFor(mint)
      await send([
        splToken.getBurnInstruction(
          { account: tokenAccount, mint, authority: owner, amount },
          { programAddress },
        ),
      ])
    },
    async closeAccount(tokenAccount, owner) {
      const programAddress = requireOwner(getAccount(tokenAccount), tokenAccount)
      await send([
        splToken.getCloseAccountInstruction(
          { account: tokenAccount, destination: owner.address, owner },
          { programAddress },
        ),
      ])
    },
    balanceOf(tokenAccount) {
      const account = getAccount(tokenAccount)
      if (account === undefined) return 0n
      // The base token account layout (165 bytes) is shared by SPL Token and Token-2022.
      return splToken.getTokenDecoder().decode(account.data.subarray(0, 165)).amount
    },
    setProgramAccount(address, programId, data) {
      const before = new Map([[address, getAccount(address)]])
      const size = BigInt(data?.length ?? 0)
      svm.setAccount({
        address,
        data: data ?? new Uint8Array(0),
        executable: false,
        lamports: data === undefined ? lamports(0n) : lamports(svm.minimumBalanceForRentExemption(size)),
        programAddress: programId,
        space: size,
      })
      publish(before)
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  return chain
}

function requireOwner(account: ChainAccount | undefined, address: Address): Address {
  if (account === undefined) throw new Error(`no account ${address}`)
  return account.owner
}

function sameAccount(a: ChainAccount | undefined, b: ChainAccount | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  if (a.owner !== b.owner || a.lamports !== b.lamports || a.data.length !== b.data.length) return false
  return a.data.every((byte, i) => byte === b.data[i])
}
