import { KeypairFileError } from '@depin/identity'
import { InvalidSolanaRegistryConfigError, SolanaRpcError } from '@depin/solana-registry'
import { describe, expect, expectTypeOf, it } from 'vitest'
import * as facade from '../src/index.js'
import {
  DEPIN_ERROR_CODES,
  DepinError,
  type DepinErrorCode,
  InvalidNodeConfigError,
  isDepinError,
  NodeStartError,
  RegistryCallError,
  walk,
} from '../src/index.js'

/** Arguments that construct each error class; a new exported class without an entry fails the test. */
const ARGS: Record<string, unknown[]> = {
  DatabaseInUseError: ['db'],
  InvalidBootstrapNodeError: ['ip', 'is empty'],
  InvalidConfigError: [[{ field: 'databaseName', message: 'must be a string' }]],
  InvalidGaterConfigError: ['refreshIntervalMs', 'must be positive'],
  InvalidMessageError: ['too large'],
  InvalidNodeConfigError: ['listenPorts.quic', 'must be a port'],
  InvalidPeerIdError: ['not a PeerId'],
  InvalidSolanaRegistryConfigError: ['mint', 'must be base58'],
  InvalidSecretKeyError: ['too short'],
  InvalidTopicError: ['it is empty'],
  InvalidWalletError: ['not base58'],
  MessagingNotRunningError: ['db'],
  MetricsServerStartError: ['127.0.0.1:9464'],
  NodeStartError: [['/ip4/127.0.0.1/tcp/0']],
  NodeStoppedError: ['publish'],
  NoPeersError: ['rooms'],
  NotReadyError: ['no peer within 10 ms'],
  RegistryCallError: ['timeout', 'no answer'],
  SolanaRpcError: ['getProgramAccounts', []],
  TopicPeersTimeoutError: ['rooms', 1, 0, 10],
}

type ErrorClass = new (...args: never[]) => DepinError

/** Every DepinError subclass the facade exports, plus those only a lower package exports. */
const classes: Array<[string, ErrorClass]> = [
  ...Object.entries(facade as Record<string, unknown>).filter(
    (entry): entry is [string, ErrorClass] =>
      typeof entry[1] === 'function' && entry[1].prototype instanceof DepinError,
  ),
  ['KeypairFileError', KeypairFileError],
  // @depin/solana-registry's, which connect() does not depend on
  ['InvalidSolanaRegistryConfigError', InvalidSolanaRegistryConfigError],
  ['SolanaRpcError', SolanaRpcError],
]

function construct(name: string, cls: ErrorClass): DepinError {
  const args = name === 'KeypairFileError' ? ['/no/such/file'] : ARGS[name]
  if (args === undefined) throw new Error(`add constructor arguments for ${name} to ARGS`)
  return new (cls as unknown as new (...a: unknown[]) => DepinError)(...args)
}

describe('the error catalogue', () => {
  it('every exported error class has a catalogue code, its own name, and is recognised by isDepinError', () => {
    for (const [name, cls] of classes) {
      const err = construct(name, cls)
      expect(err.name, name).toBe(name)
      expect(cls.name).toBe(name)
      expect(
        Object.hasOwn(DEPIN_ERROR_CODES, err.code),
        `${name}: ${err.code} not in DEPIN_ERROR_CODES`,
      ).toBe(true)
      expect(DEPIN_ERROR_CODES[err.code], `${err.code}'s meaning names its class`).toContain(`[${name}]`)
      expect(isDepinError(err, err.code)).toBe(true)
      expect(err.message.startsWith(err.shortMessage)).toBe(true)
    }
  })

  it('every catalogue code belongs to exactly one exported class (no dead code, no shared code)', () => {
    const codeToClass = new Map<string, string>()
    for (const [name, cls] of classes) {
      const { code } = construct(name, cls)
      expect(codeToClass.get(code), `${code} used by ${codeToClass.get(code)} and ${name}`).toBeUndefined()
      codeToClass.set(code, name)
    }
    expect([...codeToClass.keys()].sort()).toEqual(Object.keys(DEPIN_ERROR_CODES).sort())
  })

  it('exports every error connect() can throw', () => {
    for (const name of [
      'InvalidConfigError',
      'InvalidSecretKeyError',
      'InvalidGaterConfigError',
      'RegistryCallError',
      'InvalidNodeConfigError',
      'NodeStartError',
      'NodeStoppedError',
      'DatabaseInUseError',
      'MessagingNotRunningError',
      'MetricsServerStartError',
    ]) {
      expect(facade, name).toHaveProperty(name)
    }
  })

  it('isDepinError narrows to the concrete class, and walk finds it in a cause chain', () => {
    const start = new NodeStartError(['/ip4/127.0.0.1/tcp/1'], {
      cause: Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }),
    })
    const err: unknown = new Error('wrapped', { cause: start })
    const found = walk(err, (e) => isDepinError(e, 'NODE_START_FAILED'))
    expect(found).toBe(start)
    expectTypeOf(found).toExtend<NodeStartError | undefined>()
    expect(found?.listenAddresses).toEqual(['/ip4/127.0.0.1/tcp/1'])
    expect(walk(err, (e) => (e as { code?: unknown }).code === 'EADDRINUSE')).toBe(start.cause)

    const config: unknown = new InvalidNodeConfigError('listenPorts.quic', 'must be a port')
    if (isDepinError(config, 'INVALID_NODE_CONFIG')) expectTypeOf(config.field).toEqualTypeOf<string>()
    const registry: unknown = new RegistryCallError('timeout', 'no answer')
    if (isDepinError(registry, 'REGISTRY_CALL_FAILED')) {
      expectTypeOf(registry).toExtend<RegistryCallError>()
      expect(registry.kind).toBe('timeout')
    }
    const code: DepinErrorCode = 'INVALID_CONFIG'
    expect(isDepinError(config, code)).toBe(false)
  })
})
