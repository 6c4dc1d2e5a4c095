import { generateWallet } from '@depin/test-utils'
import { describe, expect, it } from 'vitest'
import { resolveNodeInit } from '../src/config-resolve.js'
import { InvalidNodeConfigError, NODE_DEFAULTS, type NodeInit } from '../src/index.js'

const valid: NodeInit = { identity: generateWallet().identity, getBootstrapNodes: async () => [] }

function errorOf(init: NodeInit): InvalidNodeConfigError {
  try {
    resolveNodeInit(init)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidNodeConfigError)
    return err as InvalidNodeConfigError
  }
  throw new Error('expected an InvalidNodeConfigError')
}

describe('resolveNodeInit', () => {
  it('applies every default', () => {
    const config = resolveNodeInit(valid)
    expect(config.listenAddresses).toEqual(['/ip4/0.0.0.0/udp/4001/quic-v1', '/ip4/0.0.0.0/tcp/4002'])
    expect(config.bootstrap).toEqual(NODE_DEFAULTS.bootstrap)
    expect(config.connectionLimits).toEqual(NODE_DEFAULTS.connectionLimits)
    expect(config.rendezvous).toEqual(NODE_DEFAULTS.rendezvous)
    expect(config.accountability).toEqual(NODE_DEFAULTS.accountability)
    expect(config.peering).toEqual(NODE_DEFAULTS.peering)
  })

  it('reports every bad field at once, each named in the message', () => {
    const error = errorOf({
      ...valid,
      getBootstrapNodes: undefined as never,
      listenPorts: { quic: 70_000 },
      listenHost: 'localhost',
      bootstrap: { dialTimeoutMs: 0 },
      dht: { lan: 'yes' as never },
      announceAddresses: ['/ip4/203.0.113.7/tcp/1', 'not a multiaddr'],
      accountability: { strikesToSuspend: 0 },
      peering: { keepPerFarBand: 0, rttBandsMs: [] },
    })
    const fields = [
      'getBootstrapNodes',
      'listenPorts.quic',
      'listenHost',
      'announceAddresses[1]',
      'bootstrap.dialTimeoutMs',
      'dht.lan',
      'accountability.strikesToSuspend',
      'peering.keepPerFarBand',
      'peering.rttBandsMs',
    ]
    expect(error.issues.map((issue) => issue.field)).toEqual(fields)
    expect(error.field).toBe('getBootstrapNodes')
    expect(error.code).toBe('INVALID_NODE_CONFIG')
    for (const field of fields) expect(error.message).toContain(field)
    expect(error.message).toMatch(
      /^Invalid node config: getBootstrapNodes must be a function .*; listenPorts\.quic/,
    )
  })

  it('keeps the message of a single bad field as it was', () => {
    expect(errorOf({ ...valid, listenPorts: { tcp: -1 } }).message).toBe(
      'Invalid node config: listenPorts.tcp must be an integer from 0 to 65535 (0 = any free port), got -1',
    )
  })

  it('does not compare against a value it already rejected', () => {
    // low is bad: "low must not exceed high" would compare high with low's default instead.
    const limits = errorOf({ ...valid, connectionLimits: { low: 0, high: 10 } })
    expect(limits.issues.map((issue) => issue.field)).toEqual(['connectionLimits.low'])
    const rendezvous = errorOf({ ...valid, rendezvous: { findIntervalMs: -5, maxFindIntervalMs: 1_000 } })
    expect(rendezvous.issues.map((issue) => issue.field)).toEqual(['rendezvous.findIntervalMs'])
  })
})
