import { encodeBase58, walletToPeerId } from '@depin/identity'
import {
  createInMemoryRegistry,
  generateWallet,
  generateWallets,
  waitFor,
  waitForEvent,
} from '@depin/test-utils'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, test, vi } from 'vitest'
import {
  createRegistryGater,
  InvalidGaterConfigError,
  type PeerDeniedDetail,
  type RefreshDetail,
  RegistryCallError,
  type RegistryGater,
  type RegistryGaterInit,
  type WalletRevokedDetail,
} from '../src/index.js'
import { createRecordingLogger, secp256k1PeerId, trackUnhandledRejections } from './helpers.js'

const gaters: RegistryGater[] = []
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(gaters.splice(0).map((g) => g.stop()))
})

function gaterFor(init: RegistryGaterInit): RegistryGater {
  const gater = createRegistryGater(init)
  gaters.push(gater)
  return gater
}

const randomPeerId = (): PeerId => generateWallet().identity.peerId

describe('decisions', () => {
  test('admits registry wallets and denies others at every hook', async () => {
    const [a, b] = generateWallets(2).map((w) => w.identity)
    if (a === undefined || b === undefined) throw new Error('wallets')
    const registry = createInMemoryRegistry([a.wallet])
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets })
    await gater.start()
    const cg = gater.connectionGater

    expect(gater.isAuthorizedCached(a.peerId)).toBe(true)
    expect(await gater.isAuthorized(a.peerId)).toBe(true)
    expect(await gater.decide(a.peerId)).toEqual({ allowed: true, via: 'cache' })
    expect(await cg.denyDialPeer?.(a.peerId)).toBe(false)
    expect(await cg.denyInboundEncryptedConnection?.(a.peerId, undefined as never)).toBe(false)
    expect(await cg.denyOutboundEncryptedConnection?.(a.peerId, undefined as never)).toBe(false)

    expect(gater.isAuthorizedCached(b.peerId)).toBe(false)
    expect(await gater.decide(b.peerId)).toEqual({ allowed: false, reason: 'not-in-registry' })
    expect(await cg.denyDialPeer?.(b.peerId)).toBe(true)
    expect(await cg.denyInboundEncryptedConnection?.(b.peerId, undefined as never)).toBe(true)
    expect(await cg.denyOutboundEncryptedConnection?.(b.peerId, undefined as never)).toBe(true)

    const m = gater.metrics()
    expect(m.allowed['dial-peer']).toBe(1)
    expect(m.denied['dial-peer']['not-in-registry']).toBe(1)
    expect(m.cacheSize).toBe(1)
    expect(m.lastRefreshAt).toBeTypeOf('number')
    expect(m.registryAvailable).toBe(true)
  })

  test('a cache hit is answered synchronously (no promise)', async () => {
    const a = generateWallet().identity
    const gater = gaterFor({ getAuthorizedWallets: createInMemoryRegistry([a.wallet]).getAuthorizedWallets })
    await gater.start()
    expect(gater.connectionGater.denyDialPeer?.(a.peerId)).toBe(false)
  })

  test('dial by multiaddr uses its /p2p/ components; an address without one is allowed', async () => {
    const [a, b] = generateWallets(2).map((w) => w.identity)
    if (a === undefined || b === undefined) throw new Error('wallets')
    const gater = gaterFor({ getAuthorizedWallets: createInMemoryRegistry([a.wallet]).getAuthorizedWallets })
    await gater.start()
    const deny = (addr: string) => gater.connectionGater.denyDialMultiaddr?.(multiaddr(addr))
    expect(await deny('/ip4/127.0.0.1/tcp/4002')).toBe(false)
    expect(await deny(`/ip4/127.0.0.1/tcp/4002/p2p/${a.peerId}`)).toBe(false)
    expect(await deny(`/ip4/127.0.0.1/udp/4001/quic-v1/p2p/${b.peerId}`)).toBe(true)
    // A relayed address names the relay and the target: both must be admitted.
    expect(await deny(`/ip4/127.0.0.1/tcp/4002/p2p/${a.peerId}/p2p-circuit/p2p/${b.peerId}`)).toBe(true)
    expect(await deny(`/ip4/127.0.0.1/tcp/4002/p2p/${b.peerId}/p2p-circuit/p2p/${a.peerId}`)).toBe(true)
    expect(gater.metrics().denied['dial-multiaddr']['not-in-registry']).toBeGreaterThanOrEqual(3)
  })

  test('relay hooks: reservations and relayed connections from or to unauthorized peers are denied', async () => {
    const [a, b, relay] = generateWallets(3).map((w) => w.identity)
    if (a === undefined || b === undefined || relay === undefined) throw new Error('wallets')
    const gater = gaterFor({
      getAuthorizedWallets: createInMemoryRegistry([a.wallet, relay.wallet]).getAuthorizedWallets,
    })
    await gater.start()
    const cg = gater.connectionGater
    expect(await cg.denyInboundRelayReservation?.(a.peerId)).toBe(false)
    expect(await cg.denyInboundRelayReservation?.(b.peerId)).toBe(true)
    expect(await cg.denyOutboundRelayedConnection?.(a.peerId, relay.peerId)).toBe(false)
    expect(await cg.denyOutboundRelayedConnection?.(a.peerId, b.peerId)).toBe(true)
    expect(await cg.denyOutboundRelayedConnection?.(b.peerId, a.peerId)).toBe(true)
    expect(await cg.denyInboundRelayedConnection?.(relay.peerId, a.peerId)).toBe(false)
    expect(await cg.denyInboundRelayedConnection?.(relay.peerId, b.peerId)).toBe(true)
    const m = gater.metrics()
    expect(m.denied['relay-reservation']['not-in-registry']).toBe(1)
    expect(m.denied['relay-outbound']['not-in-registry']).toBe(2)
    expect(m.denied['relay-inbound']['not-in-registry']).toBe(1)
  })

  test('non-Ed25519 PeerIds are denied as invalid-key-type, and emit peer:denied', async () => {
    const gater = gaterFor({ getAuthorizedWallets: createInMemoryRegistry([]).getAuthorizedWallets })
    await gater.start()
    const other = await secp256k1PeerId()
    const denied = waitForEvent<CustomEvent<PeerDeniedDetail>>(gater, 'peer:denied', { timeoutMs: 2000 })
    expect(await gater.connectionGater.denyInboundEncryptedConnection?.(other, undefined as never)).toBe(true)
    expect((await denied).detail).toEqual({
      peerId: other.toString(),
      hook: 'inbound-encrypted',
      reason: 'invalid-key-type',
    })
    expect(await gater.decide(other)).toEqual({ allowed: false, reason: 'invalid-key-type' })
    expect(gater.metrics().denied['inbound-encrypted']['invalid-key-type']).toBe(1)
  })

  test('a static allow-list admits wallets and PeerIds (of any key type) without the registry', async () => {
    const operator = generateWallet().identity
    const tool = generateWallet().identity
    const other = await secp256k1PeerId()
    const registry = createInMemoryRegistry([])
    const gater = gaterFor({
      getAuthorizedWallets: registry.getAuthorizedWallets,
      allowList: [operator.wallet, tool.peerId.toString(), other],
    })
    await gater.start()
    for (const peer of [operator.peerId, tool.peerId, other]) {
      expect(gater.isAuthorizedCached(peer)).toBe(true)
      expect(await gater.connectionGater.denyDialPeer?.(peer)).toBe(false)
    }
    expect(await gater.decide(operator.peerId)).toEqual({ allowed: true, via: 'allow-list' })
    expect(gater.metrics().allowListSize).toBe(3)
    expect(registry.calls).toBe(1)
  })

  test('bad options fail fast with an error naming the option', () => {
    const getAuthorizedWallets = async () => []
    const bad: Array<[Partial<RegistryGaterInit>, string]> = [
      [{ getAuthorizedWallets: 'nope' as never }, 'getAuthorizedWallets'],
      [{ getAuthorizedWallets, refreshIntervalMs: 0 }, 'refreshIntervalMs'],
      [{ getAuthorizedWallets, refreshIntervalMs: Number.NaN }, 'refreshIntervalMs'],
      [{ getAuthorizedWallets, registryTimeoutMs: -1 }, 'registryTimeoutMs'],
      [{ getAuthorizedWallets, deniedCacheSize: 1.5 }, 'deniedCacheSize'],
      [{ getAuthorizedWallets, missCallIntervalMs: 2 ** 40 }, 'missCallIntervalMs'],
      // Config read from JSON may carry objects on which String() throws; the error still names the field.
      [{ getAuthorizedWallets, registryTimeoutMs: { toString: 0 } as never }, 'registryTimeoutMs'],
      [{ getAuthorizedWallets, deniedCacheSize: Object.create(null) }, 'deniedCacheSize'],
      [{ getAuthorizedWallets, allowList: ['not a key'] }, 'allowList[0]'],
      [{ getAuthorizedWallets, allowList: [generateWallet().wallet, 42 as never] }, 'allowList[1]'],
    ]
    for (const [init, field] of bad) {
      let error: unknown
      try {
        createRegistryGater(init as RegistryGaterInit)
      } catch (err) {
        error = err
      }
      expect(error, field).toBeInstanceOf(InvalidGaterConfigError)
      expect((error as InvalidGaterConfigError).field).toBe(field)
      expect((error as InvalidGaterConfigError).code).toBe('INVALID_GATER_CONFIG')
      expect((error as Error).message).toContain(field)
    }
    expect(() => createRegistryGater(undefined as never)).toThrow(InvalidGaterConfigError)
  })

  test('registry entries in every wallet form are accepted', async () => {
    const [a, b, c] = generateWallets(3).map((w) => w.identity)
    if (a === undefined || b === undefined || c === undefined) throw new Error('wallets')
    const answer = [a.wallet, new Uint8Array(b.walletBytes), { toBase58: () => c.wallet }]
    const gater = gaterFor({ getAuthorizedWallets: async () => new Set(answer) })
    await gater.start()
    for (const id of [a, b, c]) expect(gater.isAuthorizedCached(id.peerId)).toBe(true)
  })
})

describe('cache misses', () => {
  test('a wallet added to the registry is admitted on its first dial (one registry call)', async () => {
    const registry = createInMemoryRegistry([])
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets })
    await gater.start()
    const newcomer = generateWallet().identity
    registry.add(newcomer.wallet)
    expect(await gater.connectionGater.denyDialPeer?.(newcomer.peerId)).toBe(false)
    expect(gater.metrics().registryCalls).toEqual({ refresh: 1, miss: 1 })
    expect(gater.isAuthorizedCached(newcomer.peerId)).toBe(true)
  })

  test('100 concurrent misses for one new authorized wallet make one registry call and are all admitted', async () => {
    const registry = createInMemoryRegistry([])
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets })
    await gater.start()
    const newcomer = generateWallet().identity
    registry.add(newcomer.wallet)
    registry.delay(20)
    const before = registry.calls
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        gater.connectionGater.denyInboundEncryptedConnection?.(newcomer.peerId, undefined as never),
      ),
    )
    expect(answers.every((denied) => denied === false)).toBe(true)
    expect(registry.calls - before).toBe(1)
    expect(gater.metrics().allowed['inbound-encrypted']).toBe(100)
  })

  test('flood: 1000 decisions for random unknown PeerIds cause at most 10 registry calls', async () => {
    const registry = createInMemoryRegistry(generateWallets(10).map((w) => w.wallet))
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets })
    await gater.start()
    const unknown = Array.from({ length: 1000 }, randomPeerId)
    const before = registry.calls
    let denied = 0
    // In waves of 100, as dials arrive: some while a call is in flight, most after it.
    for (let i = 0; i < unknown.length; i += 100) {
      const wave = unknown.slice(i, i + 100)
      const answers = await Promise.all(
        wave.map((p) => gater.connectionGater.denyInboundEncryptedConnection?.(p, undefined as never)),
      )
      denied += answers.filter((a) => a === true).length
    }
    const calls = registry.calls - before
    console.info(`[gater flood] 1000 unknown PeerIds -> ${calls} registry call(s); denied ${denied}`)
    expect(denied).toBe(1000)
    expect(calls).toBeLessThanOrEqual(10)
    const m = gater.metrics()
    expect(m.denied['inbound-encrypted']['not-in-registry']).toBe(1000)
    expect(m.deniedCacheSize).toBeGreaterThan(0)
  })

  test('one registry call in flight at a time, whatever started it', async () => {
    const registry = createInMemoryRegistry([])
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets })
    await gater.start()
    const newcomer = generateWallet().identity
    registry.add(newcomer.wallet)
    registry.delay(50)
    const before = registry.calls
    const refreshing = gater.refresh()
    const admitted = gater.isAuthorized(newcomer.peerId) // a miss during a refresh waits for it
    const again = gater.refresh() // so does a second refresh
    await Promise.all([refreshing, again])
    expect(await admitted).toBe(true)
    expect(registry.calls - before).toBe(1)
    expect(gater.metrics().registryCalls).toEqual({ refresh: 2, miss: 0 })
  })

  test('refresh({ fresh: true }) does not settle for a call that started before it', async () => {
    let wallets: string[] = []
    let calls = 0
    let release = (): void => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const gater = gaterFor({
      getAuthorizedWallets: async () => {
        calls++
        const answer = [...wallets] // read when the call starts
        if (calls === 2) await gate
        return answer
      },
    })
    await gater.start()
    const newcomer = generateWallet().identity
    const inFlight = gater.refresh() // its answer predates the change below
    wallets = [newcomer.wallet]
    const fresh = gater.refresh({ fresh: true })
    release()
    await Promise.all([inFlight, fresh])
    expect(calls).toBe(3)
    expect(gater.isAuthorizedCached(newcomer.peerId)).toBe(true)
  })

  test('a remembered denial answers without a registry call; the denied cache is bounded', async () => {
    const registry = createInMemoryRegistry([])
    const gater = gaterFor({
      getAuthorizedWallets: registry.getAuthorizedWallets,
      missCallIntervalMs: 0,
      deniedCacheSize: 5,
    })
    await gater.start()
    const stranger = randomPeerId()
    expect(await gater.isAuthorized(stranger)).toBe(false)
    const calls = registry.calls
    expect(await gater.isAuthorized(stranger)).toBe(false)
    expect(registry.calls).toBe(calls)
    for (let i = 0; i < 20; i++) await gater.isAuthorized(randomPeerId())
    expect(gater.metrics().deniedCacheSize).toBeLessThanOrEqual(5)
  })

  test('remembered denials expire', async () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    const registry = createInMemoryRegistry([])
    const gater = gaterFor({
      getAuthorizedWallets: registry.getAuthorizedWallets,
      missCallIntervalMs: 0,
      deniedCacheTtlMs: 1000,
    })
    await gater.start()
    const stranger = generateWallet().identity
    expect(await gater.isAuthorized(stranger.peerId)).toBe(false)
    registry.add(stranger.wallet)
    expect(await gater.isAuthorized(stranger.peerId)).toBe(false) // still remembered
    vi.advanceTimersByTime(1001)
    expect(await gater.isAuthorized(stranger.peerId)).toBe(true)
  })

  test('isAuthorized rejects when its signal aborts, without ending the shared call', async () => {
    const registry = createInMemoryRegistry([])
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets })
    await gater.start()
    const newcomer = generateWallet().identity
    registry.add(newcomer.wallet)
    registry.delay(200)
    const controller = new AbortController()
    const impatient = gater.isAuthorized(newcomer.peerId, { signal: controller.signal })
    const patient = gater.isAuthorized(newcomer.peerId)
    controller.abort(new Error('caller gave up'))
    await expect(impatient).rejects.toThrow('caller gave up')
    expect(await patient).toBe(true)
  })
})

describe('refresh and revocation', () => {
  test('a refresh replaces the set: wallets that left are reported and denied', async () => {
    const [a, b] = generateWallets(2).map((w) => w.identity)
    if (a === undefined || b === undefined) throw new Error('wallets')
    const registry = createInMemoryRegistry([a.wallet, b.wallet])
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets })
    await gater.start()
    registry.remove(b.wallet)
    const revoked = waitForEvent<CustomEvent<WalletRevokedDetail>>(gater, 'wallet:revoked', {
      timeoutMs: 2000,
    })
    await gater.refresh()
    expect((await revoked).detail).toEqual({ wallet: b.wallet, peerId: b.peerId.toString() })
    expect(gater.isAuthorizedCached(b.peerId)).toBe(false)
    expect(gater.isAuthorizedCached(a.peerId)).toBe(true)
    expect(gater.metrics().revocations).toBe(1)
  })

  test('an unchanged answer keeps the set; one entry replaced in place (same array, same length) revokes its wallet', async () => {
    const [a, b, c] = generateWallets(3).map((w) => w.identity)
    if (a === undefined || b === undefined || c === undefined) throw new Error('wallets')
    // The application hands back the same array every time and edits it in place.
    const answer = [a.wallet, b.wallet]
    const refreshes: RefreshDetail[] = []
    let copies = false
    const gater = gaterFor({
      getAuthorizedWallets: async () => (copies ? answer.map((w) => Buffer.from(w).toString()) : answer),
    })
    gater.addEventListener('refresh', (e) => refreshes.push(e.detail))
    await gater.start()
    await gater.refresh()
    expect(refreshes.at(-1)).toMatchObject({ ok: true, size: 2, added: 0, removed: 0 })
    expect(gater.isAuthorizedCached(b.peerId)).toBe(true)
    answer[1] = c.wallet
    const revoked = waitForEvent<CustomEvent<WalletRevokedDetail>>(gater, 'wallet:revoked', {
      timeoutMs: 2000,
    })
    await gater.refresh()
    expect((await revoked).detail.wallet).toBe(b.wallet)
    expect(refreshes.at(-1)).toMatchObject({ ok: true, size: 2, added: 1, removed: 1 })
    expect(gater.isAuthorizedCached(b.peerId)).toBe(false)
    expect(gater.isAuthorizedCached(c.peerId)).toBe(true)
    // The same wallets again, as new strings in a new array (as a structured clone brings them).
    copies = true
    await gater.refresh()
    expect(refreshes.at(-1)).toMatchObject({ ok: true, size: 2, added: 0, removed: 0 })
    expect(gater.metrics()).toMatchObject({ revocations: 1, refreshes: { ok: 4, failed: 0 } })
  })

  test('the refresh loop runs every refreshIntervalMs', async () => {
    const registry = createInMemoryRegistry([])
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets, refreshIntervalMs: 50 })
    await gater.start()
    const w = generateWallet().identity
    registry.add(w.wallet)
    await waitFor(() => gater.isAuthorizedCached(w.peerId), {
      timeoutMs: 3000,
      message: 'refresh to add the wallet',
    })
    expect(gater.metrics().registryCalls.refresh).toBeGreaterThanOrEqual(2)
  })

  test('stop() clears its timer and is idempotent', async () => {
    vi.useFakeTimers()
    const registry = createInMemoryRegistry([])
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets, refreshIntervalMs: 1000 })
    await gater.start()
    expect(vi.getTimerCount()).toBe(1)
    await gater.stop()
    expect(vi.getTimerCount()).toBe(0)
    await gater.stop()
    const calls = registry.calls
    await vi.advanceTimersByTimeAsync(5000)
    expect(registry.calls).toBe(calls)
    // start() again after stop() works
    await gater.start()
    expect(registry.calls).toBe(calls + 1)
    await gater.stop()
    expect(vi.getTimerCount()).toBe(0)
  })

  test('before start() and after stop() the gater answers from its cache only', async () => {
    const a = generateWallet().identity
    const registry = createInMemoryRegistry([a.wallet])
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets })
    expect(await gater.decide(a.peerId)).toEqual({ allowed: false, reason: 'registry-unavailable' })
    expect(registry.calls).toBe(0)
    await gater.start()
    await gater.stop()
    expect(await gater.isAuthorized(a.peerId)).toBe(true)
    expect(await gater.isAuthorized(randomPeerId())).toBe(false)
    expect(registry.calls).toBe(1)
  })
})

describe('registry failures', () => {
  const failures: Array<[string, (r: ReturnType<typeof createInMemoryRegistry>) => void, string]> = [
    ['throws', (r) => r.throw(new Error('rpc down')), 'threw'],
    ['hangs past the timeout', (r) => r.hang(), 'timeout'],
    ['hangs and ignores its signal', (r) => r.hang({ ignoreSignal: true }), 'timeout'],
    ['returns a non-array', (r) => r.respondWith(() => 42), 'invalid-answer'],
    ['returns null', (r) => r.respondWith(() => null), 'invalid-answer'],
    ['returns a string', (r) => r.respondWith(() => 'abc'), 'invalid-answer'],
    ['returns only junk', (r) => r.respondWith(() => ['junk', 7, null, {}]), 'invalid-answer'],
  ]

  for (const [name, breakIt, kind] of failures) {
    test(`registry ${name}: the last good set is kept, unknown peers denied, a warning logged and counted`, async () => {
      const unhandled = trackUnhandledRejections()
      try {
        const a = generateWallet().identity
        const logger = createRecordingLogger()
        const registry = createInMemoryRegistry([a.wallet])
        const gater = gaterFor({
          getAuthorizedWallets: registry.getAuthorizedWallets,
          registryTimeoutMs: 100,
          logger,
        })
        await gater.start()
        breakIt(registry)
        const newcomer = generateWallet().identity
        registry.add(newcomer.wallet)
        await expect(gater.refresh()).rejects.toBeInstanceOf(RegistryCallError)
        expect(gater.isAuthorizedCached(a.peerId)).toBe(true)
        expect(await gater.connectionGater.denyDialPeer?.(a.peerId)).toBe(false)
        expect(await gater.connectionGater.denyDialPeer?.(newcomer.peerId)).toBe(true)
        const m = gater.metrics()
        expect(m.refreshes.failed).toBeGreaterThanOrEqual(1)
        expect(m.registryFailures[kind as 'threw']).toBeGreaterThanOrEqual(1)
        expect(m.cacheSize).toBe(1)
        expect(m.registryAvailable).toBe(false)
        expect(m.denied['dial-peer']['registry-unavailable']).toBe(1)
        expect(logger.warnings().some((w) => w.includes('registry call failed'))).toBe(true)
        registry.release()
      } finally {
        await new Promise((resolve) => setImmediate(resolve))
        unhandled.dispose()
      }
      expect(unhandled.reasons).toEqual([])
    })
  }

  test('junk entries are skipped and counted; the rest is used', async () => {
    const [a, b] = generateWallets(2).map((w) => w.identity)
    if (a === undefined || b === undefined) throw new Error('wallets')
    const logger = createRecordingLogger()
    const gater = gaterFor({
      getAuthorizedWallets: async () =>
        [a.wallet, 'not-base58-0OIl', 12, null, new Uint8Array(5), b.walletBytes] as never,
      logger,
    })
    await gater.start()
    expect(gater.isAuthorizedCached(a.peerId)).toBe(true)
    expect(gater.isAuthorizedCached(b.peerId)).toBe(true)
    expect(gater.metrics().junkEntries).toBe(4)
    expect(gater.metrics().refreshes.ok).toBe(1)
    expect(logger.warnings().some((w) => w.includes('not wallets'))).toBe(true)
  })

  test('a small-order point in the answer is skipped as junk and named in the log; the rest is used', async () => {
    const a = generateWallet().identity
    const identityPoint = encodeBase58(Uint8Array.from([1, ...new Uint8Array(31)]))
    const logger = createRecordingLogger()
    const gater = gaterFor({
      // The identity point as a string (fast path) and as bytes (walletToBytes).
      getAuthorizedWallets: async () => [identityPoint, a.wallet, new Uint8Array(32)] as never,
      logger,
    })
    await gater.start()
    expect(gater.isAuthorizedCached(a.peerId)).toBe(true)
    expect(gater.metrics().junkEntries).toBe(2)
    const junkLine = logger.lines.find((l) => l.msg.includes('not wallets'))
    expect(String(junkLine?.keyValues[3])).toContain(`${identityPoint} is a small-order point`)
    const forgeable = peerIdFromPublicKey(publicKeyFromRaw(Uint8Array.from([1, ...new Uint8Array(31)])))
    expect(await gater.isAuthorized(forgeable)).toBe(false)
  })

  test('an answer of 1M junk strings is parsed within the default registry timeout and its wallets used', async () => {
    const a = generateWallet().identity
    // Base58 of the wrong length and strings with characters outside the alphabet, as a broken or
    // malicious registry might send; each used to cost a thrown InvalidWalletError (~21 µs).
    // Two characters more than a wallet always decode to more than 32 bytes; one more does not when
    // the wallet is 43 characters long (a random wallet is, now and then: a valid other wallet).
    const junk = Array.from({ length: 1_000_000 }, (_, i) =>
      i % 2 === 0 ? `${i}0OIl` : `${a.wallet}${(i % 9) + 1}z`,
    )
    const gater = gaterFor({ getAuthorizedWallets: async () => [...junk, a.wallet] })
    await gater.start()
    expect(gater.metrics().refreshes).toEqual({ ok: 1, failed: 0 })
    expect(gater.metrics().junkEntries).toBe(1_000_000)
    expect(gater.isAuthorizedCached(a.peerId)).toBe(true)
  })

  test('an empty answer is a real answer: everyone is revoked', async () => {
    const a = generateWallet().identity
    const registry = createInMemoryRegistry([a.wallet])
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets })
    await gater.start()
    registry.set([])
    await gater.refresh()
    expect(gater.isAuthorizedCached(a.peerId)).toBe(false)
  })

  test('a failing first load leaves the set empty (fail closed) and retries on the next interval', async () => {
    const a = generateWallet().identity
    const registry = createInMemoryRegistry([a.wallet])
    registry.throw()
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets, refreshIntervalMs: 50 })
    await gater.start()
    expect(gater.metrics().cacheSize).toBe(0)
    expect(await gater.decide(a.peerId)).toEqual({ allowed: false, reason: 'registry-unavailable' })
    registry.answer()
    await waitFor(() => gater.isAuthorizedCached(a.peerId), {
      timeoutMs: 3000,
      message: 'the retry to load the set',
    })
    expect(gater.metrics().refreshes.failed).toBeGreaterThanOrEqual(1)
  })

  test('a registry call that throws synchronously is handled', async () => {
    const gater = gaterFor({
      getAuthorizedWallets: () => {
        throw new Error('sync boom')
      },
    })
    await gater.start()
    expect(gater.metrics().registryFailures.threw).toBe(1)
  })

  test('stop() during a hanging registry call returns promptly and aborts the call', async () => {
    const registry = createInMemoryRegistry([])
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets, registryTimeoutMs: 60_000 })
    await gater.start()
    registry.hang()
    const refreshing = gater.refresh().catch((err: unknown) => err)
    await waitFor(() => registry.pending === 1, { timeoutMs: 2000, message: 'the hanging call' })
    const started = performance.now()
    await gater.stop()
    const tookMs = performance.now() - started
    console.info(`[gater stop] stop() during a hanging registry call took ${tookMs.toFixed(1)} ms`)
    expect(registry.pending).toBe(0) // its signal was aborted
    expect(await refreshing).toBeInstanceOf(RegistryCallError)
  })

  test('stop() returns promptly even when the registry ignores its signal', async () => {
    const registry = createInMemoryRegistry([])
    const gater = gaterFor({ getAuthorizedWallets: registry.getAuthorizedWallets, registryTimeoutMs: 60_000 })
    await gater.start()
    registry.hang({ ignoreSignal: true })
    const refreshing = gater.refresh().catch((err: unknown) => err)
    await waitFor(() => registry.pending === 1, { timeoutMs: 2000, message: 'the hanging call' })
    await gater.stop()
    expect(await refreshing).toBeInstanceOf(RegistryCallError)
    registry.release()
  })
})

test('walletToPeerId and the gater agree on keys', async () => {
  const w = generateWallet()
  const gater = gaterFor({ getAuthorizedWallets: async () => [w.wallet] })
  await gater.start()
  expect(gater.isAuthorizedCached(walletToPeerId(w.wallet))).toBe(true)
})
