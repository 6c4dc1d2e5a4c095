import type { BootstrapNode } from '@depin/identity'
import { type LiteSvmFixture, startLiteSvmFixture } from '@depin/test-utils/solana'
import {
  type Address,
  generateKeyPairSigner,
  getAddressDecoder,
  getAddressEncoder,
  getBase58Decoder,
} from '@solana/kit'
import { afterEach, describe, expect, it } from 'vitest'
import { createRegistryRpc, programAccounts } from '../src/index.js'

// A custom registry program's accounts. No program is deployed: the accounts are written with
// LiteSVM's setAccount (NOT a transaction; no program code runs), owned by an arbitrary program id,
// in the layout below, and read back through getProgramAccounts with memcmp filters.
//
// Layout: 8-byte discriminator | 1-byte status (1 active, 0 revoked) | 32-byte wallet |
//         4-byte IPv4 | u16 LE QUIC port | u16 LE TCP port  = 49 bytes

const DISCRIMINATOR = new TextEncoder().encode('depinode')
const ENTRY_SIZE = 49

interface Entry {
  wallet: Address
  active: boolean
  ip: [number, number, number, number]
  quicPort: number
  tcpPort: number
}

function encodeEntry(entry: Entry, discriminator = DISCRIMINATOR): Uint8Array {
  const data = new Uint8Array(ENTRY_SIZE)
  const view = new DataView(data.buffer)
  data.set(discriminator, 0)
  data[8] = entry.active ? 1 : 0
  data.set(getAddressEncoder().encode(entry.wallet), 9)
  data.set(entry.ip, 41)
  view.setUint16(45, entry.quicPort, true)
  view.setUint16(47, entry.tcpPort, true)
  return data
}

/** The application's decoder: anything it cannot read is `undefined` (dropped, not thrown). */
function decodeEntry(account: {
  data: Uint8Array
}): { wallet: string; bootstrap: BootstrapNode } | undefined {
  const { data } = account
  if (data.length !== ENTRY_SIZE || data[8] !== 1) return undefined
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const wallet = getAddressDecoder().decode(data.subarray(9, 41))
  const ip = Array.from(data.subarray(41, 45)).join('.')
  const bootstrap = {
    publicKey: wallet,
    ip,
    quicPort: view.getUint16(45, true),
    tcpPort: view.getUint16(47, true),
  }
  return { wallet, bootstrap }
}

const FILTERS = [
  { memcmp: { offset: 0, bytes: getBase58Decoder().decode(DISCRIMINATOR) } },
  { memcmp: { offset: 8, bytes: getBase58Decoder().decode(Uint8Array.of(1)) } },
  { dataSize: ENTRY_SIZE },
]

let fixture: LiteSvmFixture | undefined

afterEach(async () => {
  await fixture?.stop()
  fixture = undefined
})

async function newAddress(): Promise<Address> {
  return (await generateKeyPairSigner()).address
}

describe('programAccounts on LiteSVM', () => {
  it('decodes wallets and bootstrap nodes of the accounts the memcmp filters select', async () => {
    fixture = await startLiteSvmFixture()
    const { chain, rpcServers } = fixture
    const programId = await newAddress()
    const otherProgram = await newAddress()
    const alice = await newAddress()
    const bob = await newAddress()
    const revoked = await newAddress()
    const foreign = await newAddress()
    const stale = await newAddress()
    const put = async (owner: Address, data: Uint8Array) =>
      chain.setProgramAccount(await newAddress(), owner, data)
    await put(
      programId,
      encodeEntry({ wallet: alice, active: true, ip: [127, 0, 0, 1], quicPort: 4001, tcpPort: 4002 }),
    )
    await put(
      programId,
      encodeEntry({ wallet: bob, active: true, ip: [127, 0, 0, 2], quicPort: 5001, tcpPort: 5002 }),
    )
    await put(
      programId,
      encodeEntry({ wallet: revoked, active: false, ip: [127, 0, 0, 3], quicPort: 1, tcpPort: 2 }),
    )
    await put(
      otherProgram,
      encodeEntry({ wallet: foreign, active: true, ip: [127, 0, 0, 4], quicPort: 1, tcpPort: 2 }),
    )
    const wrongKind = new TextEncoder().encode('notanode')
    await put(
      programId,
      encodeEntry({ wallet: stale, active: true, ip: [127, 0, 0, 5], quicPort: 1, tcpPort: 2 }, wrongKind),
    )

    const rpc = createRegistryRpc({ endpoints: [rpcServers[0]?.url ?? ''] })
    const registry = programAccounts({ rpc, programId, filters: FILTERS, decode: decodeEntry })
    const signal = AbortSignal.timeout(10_000)
    expect([...(await registry.getAuthorizedWallets({ signal }))].sort()).toEqual([alice, bob].sort())
    const nodes = await registry.getBootstrapNodes({ signal })
    expect([...nodes].sort((a, b) => a.ip.localeCompare(b.ip))).toEqual([
      { publicKey: alice, ip: '127.0.0.1', quicPort: 4001, tcpPort: 4002 },
      { publicKey: bob, ip: '127.0.0.2', quicPort: 5001, tcpPort: 5002 },
    ])
    // The filters travelled to the RPC (the server did the selection).
    const call = rpcServers[0]?.requests.find((r) => r.method === 'getProgramAccounts')
    expect(call?.params).toMatchObject([
      programId,
      { filters: expect.arrayContaining([{ dataSize: ENTRY_SIZE }]) },
    ])
  })

  it('drops an entry the decoder cannot read and follows a revocation', async () => {
    fixture = await startLiteSvmFixture()
    const { chain, rpcServers } = fixture
    const programId = await newAddress()
    const [alice, bob] = [await newAddress(), await newAddress()]
    const aliceAccount = await newAddress()
    const bobAccount = await newAddress()
    chain.setProgramAccount(
      aliceAccount,
      programId,
      encodeEntry({ wallet: alice, active: true, ip: [127, 0, 0, 1], quicPort: 1, tcpPort: 2 }),
    )
    chain.setProgramAccount(
      bobAccount,
      programId,
      encodeEntry({ wallet: bob, active: true, ip: [127, 0, 0, 2], quicPort: 1, tcpPort: 2 }),
    )
    // Right discriminator and status, wrong size: only a decoder without the dataSize filter sees it.
    const truncated = encodeEntry({
      wallet: bob,
      active: true,
      ip: [1, 2, 3, 4],
      quicPort: 1,
      tcpPort: 2,
    }).subarray(0, 30)
    chain.setProgramAccount(await newAddress(), programId, truncated)

    const rpc = createRegistryRpc({ endpoints: [rpcServers[0]?.url ?? ''] })
    const registry = programAccounts({ rpc, programId, filters: FILTERS.slice(0, 2), decode: decodeEntry })
    const signal = AbortSignal.timeout(10_000)
    expect([...(await registry.getAuthorizedWallets({ signal }))].sort()).toEqual([alice, bob].sort())

    chain.setProgramAccount(
      aliceAccount,
      programId,
      encodeEntry({ wallet: alice, active: false, ip: [127, 0, 0, 1], quicPort: 1, tcpPort: 2 }),
    )
    expect(await registry.getAuthorizedWallets({ signal })).toEqual([bob])
    expect((await registry.getBootstrapNodes({ signal })).map((n) => n.publicKey)).toEqual([bob])

    // An account removed (zero lamports, no data) is gone from the registry.
    chain.setProgramAccount(bobAccount, programId, undefined)
    expect(chain.getAccount(bobAccount)).toBeUndefined()
    expect(await registry.getAuthorizedWallets({ signal })).toEqual([])
  })
})
