import { generateWallet } from '@depin/test-utils'
import { describe, expect, it } from 'vitest'
import { InvalidConfigError, validateDatabaseConfig } from '../src/index.js'

const wallet = generateWallet()
const valid = {
  walletPrivateKey: wallet.secretKeyBase58,
  databaseName: 'my-depin',
  getAuthorizedWallets: async () => [],
  getBootstrapNodes: async () => [],
}

function issuesOf(config: unknown): string[] {
  try {
    validateDatabaseConfig(config)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidConfigError)
    return (err as InvalidConfigError).issues.map((issue) => issue.field)
  }
  return []
}

describe('validateDatabaseConfig', () => {
  it('accepts a minimal and a full config', () => {
    expect(validateDatabaseConfig(valid)).toBe(valid)
    const full = {
      ...valid,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      listenPorts: { quic: 0, tcp: 4002 },
      listenHost: '127.0.0.1',
      announceAddresses: ['/ip4/203.0.113.7/tcp/4002'],
      refreshIntervalMs: 1000,
      maxMessageBytes: 1024,
      queueSize: 10,
      deliverOwnEvents: true,
      throwOnNoPeers: false,
    }
    expect(validateDatabaseConfig(full)).toBe(full)
  })

  it('names every bad field at once', () => {
    expect(
      issuesOf({
        walletPrivateKey: 'not-a-key',
        databaseName: '',
        getAuthorizedWallets: [],
        listenPorts: { quic: 70_000, tcp: -1, udp: 1 },
        listenHost: 'localhost',
        refreshIntervalMs: 0,
        queueSize: 1.5,
        deliverOwnEvents: 'yes',
        walletPrivatekey: 'typo',
      }).sort(),
    ).toEqual(
      [
        'walletPrivatekey',
        'walletPrivateKey',
        'databaseName',
        'getAuthorizedWallets',
        'getBootstrapNodes',
        'listenPorts.udp',
        'listenPorts.quic',
        'listenPorts.tcp',
        'listenHost',
        'refreshIntervalMs',
        'queueSize',
        'deliverOwnEvents',
      ].sort(),
    )
  })

  it('names bad fields of the nested options and of the messaging options with the rest', () => {
    let error: unknown
    try {
      validateDatabaseConfig({
        ...valid,
        node: 'fast',
        metricsServer: { port: -1, host: 'localhost', path: '/m' },
        history: { maxEvents: -1, catchUp: 'yes' },
        topicScoreParams: null,
      })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(InvalidConfigError)
    const fields = [
      'node',
      'metricsServer.path',
      'metricsServer.port',
      'metricsServer.host',
      'topicScoreParams',
      'history.maxEvents',
      'history.catchUp',
    ]
    expect((error as InvalidConfigError).issues.map((issue) => issue.field)).toEqual(fields)
    expect((error as Error).message).toMatch(/^Invalid configuration: node must be an object/)
    for (const field of fields) expect((error as Error).message).toContain(field)
  })

  it.each([null, 'x', 42, []])('rejects a non-object config %j', (config) => {
    expect(issuesOf(config)).toEqual(['config'])
  })

  it('never echoes the secret key', () => {
    // A valid-looking but inconsistent key: second half is not the first half's public key.
    const bytes = Uint8Array.from(wallet.secretKey)
    bytes[40] = (bytes[40] ?? 0) ^ 0xff
    const broken = Buffer.from(bytes).toString('base64')
    for (const walletPrivateKey of [
      wallet.secretKeyBase58.slice(0, -3),
      broken,
      `${wallet.secretKeyBase58}!`,
    ]) {
      let message = ''
      try {
        validateDatabaseConfig({ ...valid, walletPrivateKey, databaseName: 'has space' })
      } catch (err) {
        message = `${(err as Error).message} ${JSON.stringify(err)} ${(err as InvalidConfigError).issues.map((i) => i.message).join()}`
      }
      expect(message).toContain('walletPrivateKey')
      expect(message).toContain('databaseName')
      expect(message).not.toContain(walletPrivateKey)
      expect(message).not.toContain(wallet.secretKeyBase58.slice(0, 20))
    }
  })
})
