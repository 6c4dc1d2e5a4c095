import { describe, expect, it } from 'vitest'
import { createRegistryRpc, InvalidSolanaRegistryConfigError } from '../src/index.js'
import { parseMultipleAccounts } from '../src/rpc-answer.js'

const PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'
const OTHER = '11111111111111111111111111111111'
const A = 'So11111111111111111111111111111111111111112'
const B = 'SysvarRent111111111111111111111111111111111'
const account = (owner: string) => ({
  data: [Buffer.from([1, 2, 3]).toString('base64'), 'base64'],
  owner,
  lamports: 5,
})

describe('paged reads: getMultipleAccounts answers', () => {
  const parse = parseMultipleAccounts([A, B], PROGRAM)

  it('decodes each account under its listed address', () => {
    expect(parse({ context: { slot: 1 }, value: [account(PROGRAM), account(PROGRAM)] })).toEqual([
      { address: A, data: new Uint8Array([1, 2, 3]), owner: PROGRAM, lamports: 5n },
      { address: B, data: new Uint8Array([1, 2, 3]), owner: PROGRAM, lamports: 5n },
    ])
  })

  it('leaves out an account closed since the listing, or owned by another program now', () => {
    expect(parse({ value: [null, account(OTHER)] })).toEqual([])
  })

  it.each([
    ['no value', {}],
    ['null result', null],
    ['a value of the wrong length', { value: [account(PROGRAM)] }],
    ['a malformed account', { value: [account(PROGRAM), { data: 'zz', owner: PROGRAM, lamports: 1 }] }],
    ['negative lamports', { value: [account(PROGRAM), { ...account(PROGRAM), lamports: -1 }] }],
  ])('says why %s is junk (never a partial page)', (_, result) => {
    expect(parse(result)).toBeTypeOf('string')
  })

  it('rejects a pageSize outside 1-100, naming the field', () => {
    for (const pageSize of [0, 101, 1.5]) {
      const err = (() => {
        try {
          createRegistryRpc({ endpoints: ['http://127.0.0.1:1'], pageSize })
        } catch (e) {
          return e
        }
      })()
      expect(err).toBeInstanceOf(InvalidSolanaRegistryConfigError)
      expect((err as InvalidSolanaRegistryConfigError).issues.map((i) => i.field)).toEqual(['pageSize'])
    }
  })
})
