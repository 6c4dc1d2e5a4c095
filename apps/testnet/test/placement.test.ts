import { describe, expect, test } from 'vitest'
import { parseOptions, type TestnetOptions } from '../src/options.js'
import { choosePlacement, chooseThread, loopbackHost } from '../src/placement.js'
import { type MachineFacts, PreflightError, preflight } from '../src/preflight.js'

const options = (argv: string[]): TestnetOptions => parseOptions(argv, false) as TestnetOptions
const roomy: MachineFacts = {
  openFilesLimit: 1_000_000,
  availableMemoryMb: 1_000_000,
  udpReceiveBufferMax: 1 << 24,
}

describe('where nodes run', () => {
  test('small networks and every fault scenario: one process per node', () => {
    expect(choosePlacement(options(['--nodes', '16']), 2)).toEqual({ kind: 'process' })
    expect(choosePlacement(options(['--nodes', '200', '--scenario', 'partition']), 2)).toEqual({
      kind: 'process',
    })
    expect(choosePlacement(options(['--nodes', '200', '--nodes-per-process', '1']), 2)).toEqual({
      kind: 'process',
    })
  })

  // [why, argv, cores, hosts, nodes per thread, threads per host]
  test.each([
    ['one host per core, at most 100 nodes a thread', ['--nodes', '1000', '--intruders', '0'], 2, 2, 100, 5],
    ['asked for 25 per thread', ['--nodes', '1000', '--nodes-per-thread', '25'], 2, 2, 25, 21],
    ['one host per core, fewer than 25 each', ['--nodes', '30', '--intruders', '2'], 4, 4, 8, 1],
    ['asked for 10 nodes per process', ['--nodes', '95', '--nodes-per-process', '10'], 2, 10, 10, 1],
    // Fewer isolates; never more than a process holds.
    ['asked for 100 nodes per thread', ['--nodes', '999', '--nodes-per-thread', '100'], 2, 2, 100, 5],
    [
      'asked for more per thread than a process holds',
      ['--nodes', '100', '--nodes-per-thread', '100'],
      2,
      2,
      51,
      1,
    ],
  ] as const)(
    'large networks, %s: worker threads of host processes',
    (_why, argv, cores, hosts, perThread, threads) => {
      expect(choosePlacement(options([...argv]), cores)).toEqual({
        kind: 'hosted',
        hosts,
        nodesPerThread: perThread,
        threadsPerHost: threads,
      })
    },
  )

  test("a host spreads its nodes over its threads: new ones first, then the one holding fewest, never past a thread's capacity", () => {
    expect(chooseThread([], 3, 100)).toBe(-1)
    expect(chooseThread([1, 1], 3, 100)).toBe(-1)
    expect(chooseThread([2, 1, 1], 3, 100)).toBe(1)
    expect(chooseThread([2, 2, 1], 3, 100)).toBe(2)
    expect(chooseThread([100, 99, 100], 3, 100)).toBe(1)
    // All full (a node restarting before its old one left): one more thread.
    expect(chooseThread([100, 100], 2, 100)).toBe(-1)
    // 500 nodes in 5 threads of 100, placed one after another: each thread takes every fifth.
    const loads: number[] = []
    const threadOf: number[] = []
    for (let n = 0; n < 500; n++) {
      let t = chooseThread(loads, 5, 100)
      if (t === -1) t = loads.push(0) - 1
      loads[t] = (loads[t] ?? 0) + 1
      threadOf.push(t)
    }
    expect(loads).toEqual([100, 100, 100, 100, 100])
    expect(new Set(threadOf.slice(-5)).size).toBe(5)
    expect(threadOf.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4])
  })

  test('every node has its own loopback address, registered nodes and intruders apart', () => {
    const hosts = new Set<string>()
    for (let i = 0; i < 5_000; i++) hosts.add(loopbackHost('node', i))
    for (let i = 0; i < 16; i++) hosts.add(loopbackHost('intruder', i))
    expect(hosts.size).toBe(5_016)
    for (const host of hosts) expect(host).toMatch(/^127\.[12]\.(\d+)\.(\d+)$/)
    for (const host of hosts) {
      const [, , c, d] = host.split('.').map(Number)
      expect(c).toBeLessThanOrEqual(255)
      expect(d).toBeGreaterThanOrEqual(1)
      expect(d).toBeLessThanOrEqual(250)
    }
  })
})

describe('preflight', () => {
  test('a machine with room: notes only', () => {
    const o = options(['--nodes', '1000'])
    const notes = preflight(o, choosePlacement(o, 2), roomy)
    expect(notes.at(-1)).toMatch(/^preflight: 1001 nodes, 501 per process/)
  })

  test('too few open files per process: refused, naming the limit and what to change', () => {
    const o = options(['--nodes', '1000'])
    const run = (): string[] => preflight(o, choosePlacement(o, 2), { ...roomy, openFilesLimit: 1_024 })
    expect(run).toThrow(PreflightError)
    expect(run).toThrow(
      /limit is 1024: raise it \(ulimit -n \d+\) or run at most \d+ nodes per process \(--nodes-per-process \d+\)/,
    )
  })

  test('not enough memory: refused with the estimate and what is available', () => {
    const o = options(['--nodes', '100', '--nodes-per-process', '1'])
    const run = (): string[] => preflight(o, choosePlacement(o, 2), { ...roomy, availableMemoryMb: 2_000 })
    expect(run).toThrow(/101 nodes need about 11110 MB .* but 2000 MB are available/)
  })

  test('small UDP buffers for a large QUIC network: a note, not a refusal', () => {
    const o = options(['--nodes', '500'])
    const notes = preflight(o, choosePlacement(o, 2), { ...roomy, udpReceiveBufferMax: 212_992 })
    expect(notes.some((n) => n.includes('net.core.rmem_max is 212992'))).toBe(true)
  })

  test('a Node.js older than the packages support: refused, naming the version and the command to use', () => {
    const o = options(['--nodes', '5'])
    const run = (nodeVersion: string) => () => preflight(o, choosePlacement(o, 2), { ...roomy, nodeVersion })
    expect(run('v20.20.2')).toThrow(PreflightError)
    expect(run('v20.20.2')).toThrow(
      /Node\.js v20\.20\.2 runs the testnet, but it needs Node\.js 22 or later: .*npx -y pnpm@12\.21\.0 testnet/,
    )
    expect(run('v22.0.0')).not.toThrow()
    expect(run('v24.21.0')).not.toThrow()
  })

  test('unknown facts (not Linux): no refusal', () => {
    const o = options(['--nodes', '1000'])
    const unknown = {
      openFilesLimit: undefined,
      availableMemoryMb: undefined,
      udpReceiveBufferMax: undefined,
    }
    expect(preflight(o, choosePlacement(o, 2), unknown).at(-1)).toContain('limit unknown')
  })
})
