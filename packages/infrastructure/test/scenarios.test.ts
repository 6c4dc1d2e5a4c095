import type { BootstrapNode } from '@depin/identity'
import { createInMemoryBootstrapList, waitFor, waitForEvent } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { bootstrapEntryOf, createTestNetwork, reservePorts, type TestNode } from './helpers.js'

// The Go implementation's three recovery scenarios (its design's "Bootstrap Retry & Network
// Resilience"), with timings
// shortened through NodeInit (retry after 200 ms, then every 400 ms; see FAST in helpers.ts).

const net = createTestNetwork()
afterEach(() => net.stopAll())

function entry(wallet: string, ports: { quic: number; tcp: number }): BootstrapNode {
  return { publicKey: wallet, ip: '127.0.0.1', quicPort: ports.quic, tcpPort: ports.tcp }
}

function recordEvents(test: TestNode): string[] {
  const events: string[] = []
  test.node.addEventListener('ready', () => events.push('ready'))
  test.node.addEventListener('not-ready', () => events.push('not-ready'))
  return events
}

describe('scenario 1: a client starts before its bootstrap node', () => {
  it('retries until the bootstrap node comes up, then becomes ready and stops retrying', async () => {
    const bootIdentity = net.nextIdentity()
    const ports = await reservePorts()
    const client = await net.start({ name: 's1-client', bootstrap: [entry(bootIdentity.wallet, ports)] })
    const events = recordEvents(client)
    expect(client.node.isReady()).toBe(false)

    await waitFor(
      () => client.node.metrics().retryAttempts >= 1 && client.node.metrics().bootstrapFailures >= 2,
      {
        timeoutMs: 15_000,
        message: 'the initial bootstrap and a retry to fail',
      },
    )
    expect(client.node.metrics().retryLoopRunning).toBe(true)

    await net.start({ name: 's1-boot', identity: bootIdentity, init: { listenPorts: ports } })
    await client.node.waitUntilReady({ timeoutMs: 15_000 })
    await waitFor(() => !client.node.metrics().retryLoopRunning, { message: 'the retry loop to stop' })

    const m = client.node.metrics()
    expect(events).toEqual(['ready'])
    expect(m).toMatchObject({ ready: true, retryLoopsStarted: 1, retryLoopRunning: false })
    expect(m.bootstrapSuccesses).toBe(1)
    expect(m.timeToFirstReadyMs).toBeGreaterThan(0)
  })
})

describe('an empty bootstrap list', () => {
  it('re-reads the list on every retry and connects once a node appears in it', async () => {
    const alive = await net.start({ name: 'empty-alive' })
    const list = createInMemoryBootstrapList([])
    const client = await net.start({ name: 'empty-client', bootstrap: () => list.nodes })
    await waitFor(() => client.node.metrics().retryAttempts >= 2, {
      message: 'two retries with an empty list',
    })
    expect(client.node.isReady()).toBe(false)
    list.set([bootstrapEntryOf(alive.node)])
    await client.node.waitUntilReady({ timeoutMs: 10_000 })
    await waitFor(() => client.node.metrics().bootstrapSuccesses === 1, { message: 'the success counted' })
    expect(client.node.metrics()).toMatchObject({ ready: true, retryLoopsStarted: 1 })
  })
})

describe('scenario 2: bootstrap failover', () => {
  it('skips a bootstrap node that is down and connects through the next one', async () => {
    const deadIdentity = net.nextIdentity()
    const deadPorts = await reservePorts()
    const alive = await net.start({ name: 's2-alive' })
    const client = await net.start({
      name: 's2-client',
      bootstrap: [entry(deadIdentity.wallet, deadPorts), bootstrapEntryOf(alive.node)],
    })
    await client.node.waitUntilReady({ timeoutMs: 10_000 })
    await waitFor(() => client.node.metrics().bootstrapFailures === 1, {
      message: 'the dead node counted as failed',
    })
    expect(client.node.libp2p.getConnections(alive.node.peerId).length).toBeGreaterThan(0)
    expect(client.node.metrics()).toMatchObject({
      bootstrapAttempts: 2,
      bootstrapSuccesses: 1,
      retryLoopsStarted: 0,
    })
  })

  it('loses its only bootstrap node, retries, and recovers through a new one', async () => {
    const first = await net.start({ name: 's2-first' })
    const secondIdentity = net.nextIdentity()
    const secondPorts = await reservePorts()
    const client = await net.start({
      name: 's2-client2',
      bootstrap: [bootstrapEntryOf(first.node), entry(secondIdentity.wallet, secondPorts)],
    })
    const events = recordEvents(client)
    await client.node.waitUntilReady({ timeoutMs: 10_000 })

    const notReady = waitForEvent(client.node, 'not-ready', { timeoutMs: 10_000 })
    await net.stop(first)
    await notReady
    await waitFor(() => client.node.metrics().retryAttempts >= 1, { timeoutMs: 10_000, message: 'a retry' })

    await net.start({ name: 's2-second', identity: secondIdentity, init: { listenPorts: secondPorts } })
    await waitForEvent(client.node, 'ready', { timeoutMs: 15_000 })
    await waitFor(() => !client.node.metrics().retryLoopRunning, { message: 'the retry loop to stop' })

    const m = client.node.metrics()
    expect(events).toEqual(['ready', 'not-ready', 'ready'])
    expect(m).toMatchObject({ ready: true, notReadyTransitions: 1, retryLoopsStarted: 1 })
    expect(m.lastRecoveryMs).toBeGreaterThan(0)
  })
})

describe('scenario 3: partition and heal', () => {
  it('all peers lost -> not-ready -> retry -> ready again', async () => {
    const boot = await net.start({ name: 's3-boot' })
    const bootstrap = [bootstrapEntryOf(boot.node)]
    const a = await net.start({ name: 's3-a', bootstrap })
    const b = await net.start({ name: 's3-b', bootstrap })
    const all = [boot, a, b]
    await waitFor(() => all.every((t) => t.node.isReady()), { message: 'all ready' })
    const events = [a, b].map(recordEvents)

    // Partition: the registry authorizes nobody; each gater's refresh closes every connection.
    const wallets = [...net.registry.wallets]
    net.registry.set([])
    const lost = [a, b].map((t) => waitForEvent(t.node, 'not-ready', { timeoutMs: 10_000 }))
    await Promise.all(all.map((t) => t.gater.refresh()))
    await Promise.all(lost)
    await waitFor(() => [a, b].every((t) => t.node.metrics().retryAttempts >= 1), {
      timeoutMs: 10_000,
      message: 'both retry while partitioned',
    })
    expect([a, b].every((t) => !t.node.isReady())).toBe(true)

    // Heal.
    net.registry.set(wallets)
    const back = [a, b].map((t) => waitForEvent(t.node, 'ready', { timeoutMs: 15_000 }))
    await Promise.all(all.map((t) => t.gater.refresh()))
    await Promise.all(back)
    await waitFor(() => [a, b].every((t) => !t.node.metrics().retryLoopRunning), {
      message: 'retry loops stop',
    })

    for (const [i, t] of [a, b].entries()) {
      expect(events[i]).toEqual(['not-ready', 'ready'])
      const m = t.node.metrics()
      expect(m).toMatchObject({ ready: true, notReadyTransitions: 1, retryLoopsStarted: 1 })
      expect(m.lastRecoveryMs).toBeGreaterThan(0)
      t.logger.info('recovery measured', 'lastRecoveryMs', m.lastRecoveryMs, 'retryAttempts', m.retryAttempts)
    }
  })
})

describe('a misbehaving bootstrap list', () => {
  it('skips junk entries and dials the valid ones', async () => {
    const alive = await net.start({ name: 'junk-alive' })
    const identity = net.nextIdentity()
    const client = await net.start({
      name: 'junk-client',
      identity,
      bootstrap: () =>
        [
          { publicKey: 'not-a-wallet', ip: '127.0.0.1', quicPort: 1, tcpPort: 2 },
          { publicKey: alive.identity.wallet, ip: 'not an ip!', quicPort: 4001 },
          { publicKey: alive.identity.wallet, ip: '127.0.0.1' },
          null,
          // ourselves: skipped
          { publicKey: identity.wallet, ip: '127.0.0.1', quicPort: 9, tcpPort: 9 },
          bootstrapEntryOf(alive.node),
        ] as unknown as BootstrapNode[],
    })
    await client.node.waitUntilReady({ timeoutMs: 10_000 })
    expect(client.logger.lines.filter((l) => l.includes('skipping a malformed bootstrap node'))).toHaveLength(
      4,
    )
  })

  it('a getBootstrapNodes that hangs (ignoring its signal) or throws does not stop the retry loop', async () => {
    let mode: 'hang' | 'throw' = 'hang'
    const client = await net.start({
      name: 'hang-client',
      init: { bootstrap: { listTimeoutMs: 100, retryInitialDelayMs: 50, retryIntervalMs: 100 } },
      bootstrap: () => {
        if (mode === 'throw') throw new Error('registry down (test)')
        return new Promise<never>(() => {}) as unknown as BootstrapNode[]
      },
    })
    await waitFor(() => client.node.metrics().retryAttempts >= 2, {
      message: 'retries despite a hanging list',
    })
    mode = 'throw'
    const before = client.node.metrics().retryAttempts
    await waitFor(() => client.node.metrics().retryAttempts >= before + 2, {
      message: 'retries despite a throwing list',
    })
    expect(client.node.metrics().retryLoopsStarted).toBe(1)
    expect(client.logger.lines.some((l) => l.includes('did not answer within 100 ms'))).toBe(true)
    expect(client.logger.lines.some((l) => l.includes('registry down (test)'))).toBe(true)
  })
})
