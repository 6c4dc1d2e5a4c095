import { generateWallet } from '@depin/test-utils'
import { describe, expect, it } from 'vitest'
import { createRegistryGater, InvalidGaterConfigError, type RegistryGaterInit } from '../src/index.js'

function errorOf(init: RegistryGaterInit): InvalidGaterConfigError {
  try {
    createRegistryGater(init)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidGaterConfigError)
    return err as InvalidGaterConfigError
  }
  throw new Error('expected an InvalidGaterConfigError')
}

describe('createRegistryGater options', () => {
  it('reports every bad option at once, each named in the message', () => {
    const error = errorOf({
      getAuthorizedWallets: 'nope' as never,
      refreshIntervalMs: 0,
      deniedCacheSize: 1.5,
      allowList: [generateWallet().wallet, 'not a key', 42 as never],
    })
    const fields = [
      'getAuthorizedWallets',
      'allowList[1]',
      'allowList[2]',
      'refreshIntervalMs',
      'deniedCacheSize',
    ]
    expect(error.issues.map((issue) => issue.field)).toEqual(fields)
    expect(error.field).toBe('getAuthorizedWallets')
    expect(error.code).toBe('INVALID_GATER_CONFIG')
    expect(error.message).toMatch(/^Invalid gater options getAuthorizedWallets: expected a function/)
    for (const field of fields) expect(error.message).toContain(`${field}: `)
  })

  it('keeps the message of a single bad option as it was', () => {
    expect(errorOf({ getAuthorizedWallets: async () => [], registryTimeoutMs: -1 }).message).toBe(
      'Invalid gater option registryTimeoutMs: expected a number of milliseconds from 1 to 2147483647, got -1',
    )
  })
})
