import { isDepinError } from '@depin/errors'
import { decodeBase58, encodeBase58 } from '@depin/identity'
import { afterEach, describe, expect, it } from 'vitest'
import { createRegistryRpc, type ProgramAccount, programAccounts } from '../src/index.js'
import { accountEntry, addressOf, type FakeRpc, startFakeRpc } from './fake-rpc.js'

const PROGRAM = addressOf(9)
const [ALICE, BOB] = [addressOf(11), addressOf(12)]

let fakes: FakeRpc[] = []
afterEach(async () => {
  await Promise.all(fakes.map((fake) => fake.stop()))
  fakes = []
})

/** A registry entry: tag byte, wallet (32 bytes), QUIC port (u16 LE; 0 = not a bootstrap node). */
function entry(tag: number, wallet: string, quicPort = 0): Uint8Array {
  const data = new Uint8Array(35)
  data[0] = tag
  data.set(decodeBase58(wallet), 1)
  new DataView(data.buffer).setUint16(33, quicPort, true)
  return data
}

function decode({ data }: ProgramAccount) {
  if (data[0] === 0xff) throw new Error('corrupt entry')
  if (data[0] === 0xfe) return { wallet: 'not a wallet' }
  const wallet = encodeBase58(data.subarray(1, 33))
  const quicPort = new DataView(data.buffer, data.byteOffset).getUint16(33, true)
  return {
    wallet,
    ...(quicPort === 0 ? {} : { bootstrap: { publicKey: wallet, ip: '127.0.0.1', quicPort } }),
  }
}

const signal = () => AbortSignal.timeout(5_000)

describe('programAccounts', () => {
  it('passes the filters through and decodes wallets and bootstrap nodes; a decode that throws or returns junk skips that account', async () => {
    const rpcServer = await startFakeRpc(() => ({
      result: [
        accountEntry(addressOf(21), PROGRAM, entry(1, ALICE, 4001)),
        accountEntry(addressOf(22), PROGRAM, entry(1, BOB)),
        accountEntry(addressOf(23), PROGRAM, entry(0xff, BOB)),
        accountEntry(addressOf(24), PROGRAM, entry(0xfe, BOB)),
        accountEntry(addressOf(25), PROGRAM, entry(1, ALICE)),
      ],
    }))
    fakes.push(rpcServer)
    const rpc = createRegistryRpc({ endpoints: [rpcServer.url] })
    const filters = [{ memcmp: { offset: 0, bytes: encodeBase58(new Uint8Array([1])) } }, { dataSize: 35 }]
    const registry = programAccounts({ rpc, programId: PROGRAM, filters, decode })

    expect((await registry.getAuthorizedWallets({ signal: signal() })).sort()).toEqual([ALICE, BOB].sort())
    expect(await registry.getBootstrapNodes({ signal: signal() })).toEqual([
      { publicKey: ALICE, ip: '127.0.0.1', quicPort: 4001 },
    ])
    expect(rpcServer.requests[0]?.params).toEqual([
      PROGRAM,
      {
        commitment: 'confirmed',
        encoding: 'base64',
        filters: [{ memcmp: { offset: 0, bytes: '2', encoding: 'base58' } }, { dataSize: 35 }],
      },
    ])
    expect(registry.metrics()).toMatchObject({ accounts: 5, wallets: 2, junkAccounts: 4 }) // two reads, two junk each
  })

  it('skips a bootstrap node with a bad field as junk; an account that decodes to undefined is skipped, not junk', async () => {
    const rpcServer = await startFakeRpc(() => ({
      result: [
        accountEntry(addressOf(21), PROGRAM, entry(1, ALICE)),
        accountEntry(addressOf(22), PROGRAM, entry(2, BOB)),
      ],
    }))
    fakes.push(rpcServer)
    const rpc = createRegistryRpc({ endpoints: [rpcServer.url] })
    const registry = programAccounts({
      rpc,
      programId: PROGRAM,
      decode: ({ data }) =>
        data[0] === 2 ? undefined : { bootstrap: { publicKey: ALICE, ip: 'not an ip!', quicPort: 70_000 } },
    })
    expect(await registry.getBootstrapNodes({ signal: signal() })).toEqual([])
    expect(registry.metrics().junkAccounts).toBe(1)
  })

  it('reports every bad option at once', () => {
    let err: unknown
    try {
      programAccounts({
        rpc: createRegistryRpc({ endpoints: ['http://127.0.0.1:1'] }),
        programId: 'xyz',
        filters: [{ memcmp: { offset: -1, bytes: '0OIl' } }, { nope: 1 } as never],
        decode: 'decode' as never,
      })
    } catch (e) {
      err = e
    }
    expect(isDepinError(err, 'INVALID_SOLANA_REGISTRY_CONFIG')).toBe(true)
    expect((err as { issues: { field: string }[] }).issues.map((i) => i.field)).toEqual([
      'programId',
      'decode',
      'filters[0].memcmp.offset',
      'filters[0].memcmp.bytes',
      'filters[1]',
    ])
  })
})
