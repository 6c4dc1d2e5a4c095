import { spawnSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { parseOptions, UsageError } from '../src/options.js'
import { CLI } from './helpers.js'

describe('parseOptions', () => {
  test('defaults: 5 nodes, both transports, 10 s, live view only on a terminal', () => {
    expect(parseOptions([], true)).toMatchObject({
      nodes: 5,
      transport: 'both',
      durationS: 10,
      intruders: 1,
      scenario: 'none',
      live: true,
    })
    expect(parseOptions([], false)?.live).toBe(false)
    expect(parseOptions(['--plain'], true)?.live).toBe(false)
  })

  test('reads every option', () => {
    const o = parseOptions(
      [
        '--nodes',
        '4',
        '--transport',
        'tcp',
        '--duration',
        '3',
        '--idle',
        '0',
        '--rate',
        '20',
        '--size',
        '10',
        '--topics',
        '2',
        '--intruders',
        '0',
        '--scenario',
        'revoke',
        '--json',
        'r.json',
        '--metrics-port',
        '9464',
        '--refresh-ms',
        '500',
        '--timings',
        'production',
        '--start-batch',
        '8',
        '--nodes-per-process',
        '2',
        '--nodes-per-thread',
        '50',
        '--degree',
        '4-8',
        '--registry',
        'litesvm',
      ],
      false,
    )
    expect(o).toEqual({
      nodes: 4,
      transport: 'tcp',
      durationS: 3,
      idleS: 0,
      rate: 20,
      size: 10,
      topics: 2,
      intruders: 0,
      scenario: 'revoke',
      json: 'r.json',
      metricsPort: 9464,
      refreshIntervalMs: 500,
      timings: 'production',
      startBatch: 8,
      live: false,
      nodesPerProcess: 2,
      nodesPerThread: 50,
      degree: { low: 4, high: 8 },
      registry: 'litesvm',
    })
  })

  test('--timings production refreshes the registry at the library default unless --refresh-ms is given', () => {
    expect(parseOptions([], false)).toMatchObject({ timings: 'fast', refreshIntervalMs: 1_000 })
    expect(parseOptions(['--timings', 'production'], false)).toMatchObject({ refreshIntervalMs: 30_000 })
  })

  test('a 1000-node network can publish 0.1 events a second in all: --rate goes down to 0.0001', () => {
    expect(parseOptions(['--nodes', '1000', '--rate', '0.0001'], false)?.rate).toBe(0.0001)
  })

  test.each([
    [['--nodes', '1'], /--nodes must be a number from 2/],
    [['--nodes', 'many'], /--nodes/],
    [['--transport', 'udp'], /--transport must be quic, tcp or both/],
    [['--scenario', 'meteor'], /--scenario must be one of/],
    [['--scenario', 'partition', '--nodes', '2'], /needs --nodes 3/],
    [['--nodes', '5001'], /--nodes must be a number from 2 to 5000/],
    [['--degree', '8'], /--degree must be LOW-HIGH/],
    [['--degree', '9-8'], /--degree must be LOW-HIGH/],
    [['--degree', '0-8'], /--degree must be LOW-HIGH/],
    [['--nodes-per-process', 'lots'], /--nodes-per-process must be a number from 0/],
    [['--nodes-per-thread', 'many'], /--nodes-per-thread must be a number from 0/],
    [['--rate', '0.00005'], /--rate must be a number from 0.0001 to 1000/],
    [['--timings', 'slow'], /--timings must be fast or production/],
    [['--start-batch', '0'], /--start-batch must be a number from 1/],
    [['--idle', '4000'], /--idle must be a number from 0 to 3600/],
    [['--idle', 'soon'], /--idle must be a number/],
    [['--idle', '5', '--scenario', 'revoke'], /--idle applies to scenario none only/],
    [['--registry', 'chain'], /--registry must be memory or litesvm/],
    [['--bogus'], /bogus/],
  ])('bad input %j is refused naming the option', (argv, message) => {
    expect(() => parseOptions(argv, false)).toThrow(UsageError)
    expect(() => parseOptions(argv, false)).toThrow(message)
  })

  test('--idle gives seconds of quiet before the counted events', () => {
    expect(parseOptions([], false)?.idleS).toBe(0)
    expect(parseOptions(['--idle', '20'], false)?.idleS).toBe(20)
  })

  test('--help returns undefined', () => {
    expect(parseOptions(['--help'], false)).toBeUndefined()
  })
})

describe('the CLI', () => {
  test('--help lists the options and scenarios and exits 0', () => {
    const run = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8', timeout: 20_000 })
    expect(run.status).toBe(0)
    for (const word of [
      '--nodes',
      '--transport',
      '--duration',
      '--idle',
      '--rate',
      '--size',
      '--topics',
      '--intruders',
      '--json',
      '--scenario',
      '--timings',
      '--start-batch',
      '--nodes-per-process',
      '--nodes-per-thread',
      '--degree',
      'bootstrap-failover',
      'late-bootstrap',
      'partition',
      'revoke',
    ]) {
      expect(run.stdout).toContain(word)
    }
  })

  test('a bad option exits 2 with the reason', () => {
    const run = spawnSync(process.execPath, [CLI, '--transport', 'carrier-pigeon'], {
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('--transport must be quic, tcp or both')
  })

  test('runs on Node >= 22 (libp2p 3 and QUIC need it)', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22)
  })
})
