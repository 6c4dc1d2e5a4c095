import {
  type BootstrapNode,
  bootstrapNodeToMultiaddrs,
  encodeBase58,
  generateWallet,
  InvalidBootstrapNodeError,
  InvalidPeerIdError,
  InvalidSecretKeyError,
  InvalidWalletError,
  parseSecretKey,
  peerIdToWallet,
  type SecretKeyInput,
  type WalletInput,
  walletToBase58,
  walletToPeerId,
} from '@depin/identity'
import {
  createEvent,
  decodeEvent,
  encodeEvent,
  InvalidConfigError,
  InvalidMessageError,
  type PubSubEvent,
  validateDatabaseConfig,
} from '@depin/pubsub'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'

// Property tests over the four parsers that take untrusted input: the event codec (bytes from the
// network), identity parsing (keys, wallets, PeerIds from users and registries), bootstrap-node
// parsing (registry records) and config validation. Each accepts or throws one of our documented
// errors; nothing else may escape. FUZZ_RUNS cases per property (default 1000; `pnpm fuzz`: 100000).
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000)
const TIMEOUT_MS = 30_000 + RUNS * 5
const timings: Record<string, { runs: number; ms: number }> = {}

function check<T>(name: string, arbitrary: fc.Arbitrary<T>, predicate: (value: T) => void): void {
  const started = performance.now()
  fc.assert(fc.property(arbitrary, predicate), { numRuns: RUNS })
  timings[name] = { runs: RUNS, ms: Math.round(performance.now() - started) }
}

/** Calls `fn`; fails the property if it throws anything but one of `allowed`. */
function throwsOnly(
  allowed: ReadonlyArray<abstract new (...args: never[]) => Error>,
  fn: () => unknown,
): void {
  try {
    fn()
  } catch (err) {
    if (allowed.some((errorClass) => err instanceof errorClass)) return
    throw new Error(`threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
  }
}

afterAll(() => {
  console.log(`[reliability] fuzz ${JSON.stringify(timings)}`)
})

// Valid material mixed into the generators, so properties also reach the accepting paths.
const sample = generateWallet()
const wallets = Array.from({ length: 8 }, () => generateWallet())
const peerIds = wallets.map((w) => w.identity.peerId.toString())
const anyValue = fc.oneof(fc.anything(), fc.jsonValue(), fc.string(), fc.uint8Array({ maxLength: 80 }))

describe('event codec', () => {
  const jsonBytes = fc.jsonValue().map((v) => new TextEncoder().encode(JSON.stringify(v)))
  const eventLike = fc
    .record(
      {
        id: fc.oneof(fc.uuid(), fc.string(), anyValue),
        from_peer: fc.oneof(fc.constantFrom(...peerIds), fc.string(), anyValue),
        message: anyValue,
        timestamp: fc.oneof(fc.integer(), fc.double(), fc.maxSafeNat(), anyValue),
      },
      { requiredKeys: [] },
    )
    .map((record) =>
      new TextEncoder().encode(JSON.stringify(record, (_k, v) => (typeof v === 'bigint' ? 0 : v))),
    )
  const wireBytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), jsonBytes, eventLike)

  it('decodeEvent never throws, and every event it accepts is well formed', { timeout: TIMEOUT_MS }, () => {
    check('decodeEvent', wireBytes, (bytes) => {
      const result = decodeEvent(bytes)
      if (!result.ok) return
      expect(result.event.id.length).toBeGreaterThan(0)
      expect(result.event.fromPeerId.length).toBeGreaterThan(0)
      expect(Number.isSafeInteger(result.event.timestamp)).toBe(true)
    })
  })

  it('encodeEvent throws only InvalidMessageError, and decode(encode(e)) is e', {
    timeout: TIMEOUT_MS,
  }, () => {
    const events = fc.record({
      fromPeerId: fc.oneof(fc.constantFrom(...peerIds), fc.string({ minLength: 1 })),
      message: fc.oneof(fc.jsonValue(), fc.anything()),
      nowMs: fc.integer({ min: 0, max: 8_640_000_000_000 }),
    })
    check('encodeEvent', events, ({ fromPeerId, message, nowMs }) => {
      const event = createEvent(fromPeerId, message, nowMs)
      let bytes: Uint8Array
      try {
        bytes = encodeEvent(event)
      } catch (err) {
        if (err instanceof InvalidMessageError) return
        throw err
      }
      const decoded = decodeEvent(bytes)
      expect(decoded.ok).toBe(true)
      const expected: PubSubEvent = JSON.parse(
        JSON.stringify({ ...event, message: event.message === undefined ? null : event.message }),
      )
      if (decoded.ok) expect(JSON.parse(JSON.stringify(decoded.event))).toEqual(expected)
    })
  })
})

describe('identity parsing', () => {
  const secretInputs = fc.oneof(
    anyValue,
    fc.uint8Array({ minLength: 64, maxLength: 64 }),
    fc.uint8Array({ maxLength: 100 }).map((b) => encodeBase58(b)),
    fc.uint8Array({ maxLength: 100 }).map((b) => JSON.stringify(Array.from(b))),
    fc.array(fc.oneof(fc.integer({ min: -2, max: 300 }), fc.double(), fc.constant(null)), { maxLength: 70 }),
    fc.uint8Array({ maxLength: 70 }).map((secretKey) => ({ secretKey })),
    fc.constant(sample.secretKeyBase58),
    // The valid key with a few bytes changed (usually a mismatched public half).
    fc
      .array(fc.tuple(fc.nat({ max: 63 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 })
      .map((edits) => {
        const key = parseSecretKeyBytes(sample.secretKeyBase58)
        for (const [i, v] of edits) key[i] = v
        return key
      }),
  )

  it('parseSecretKey throws only InvalidSecretKeyError, never echoing the input', {
    timeout: TIMEOUT_MS,
  }, () => {
    check('parseSecretKey', secretInputs, (input) => {
      try {
        const identity = parseSecretKey(input as SecretKeyInput)
        expect(identity.peerId.toString()).toMatch(/^12D3KooW/)
      } catch (err) {
        if (!(err instanceof InvalidSecretKeyError)) throw err
        if (typeof input === 'string' && input.length >= 32) expect(err.message).not.toContain(input)
      }
    })
  })

  it('walletToPeerId / peerIdToWallet throw only their errors and round-trip', {
    timeout: TIMEOUT_MS,
  }, () => {
    const walletInputs = fc.oneof(
      anyValue,
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => encodeBase58(b)),
      fc.constantFrom(...wallets.map((w) => w.wallet)),
      fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => ({ toBytes: () => b })),
      fc.string().map((s) => ({ toBase58: () => s })),
    )
    check('walletToPeerId', walletInputs, (input) => {
      throwsOnly([InvalidWalletError], () => {
        const peerId = walletToPeerId(input as WalletInput)
        expect(peerIdToWallet(peerId)).toBe(walletToBase58(input as WalletInput))
      })
    })
    const peerIdInputs = fc.oneof(anyValue, fc.constantFrom(...peerIds), fc.string(), fc.base64String())
    check('peerIdToWallet', peerIdInputs, (input) => {
      throwsOnly([InvalidPeerIdError], () => peerIdToWallet(input as string))
    })
  })
})

describe('bootstrap-node parsing', () => {
  const port = fc.oneof(
    fc.integer({ min: -10, max: 70_000 }),
    fc.constant(0),
    fc.constant(undefined),
    anyValue,
  )
  const ip = fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.domain(),
    fc.ipV4Extended(),
    fc.string(),
    fc.constantFrom('127.0.0.1', '[::1]', 'fe80::1%eth0', '300.1.1.1', 'localhost', ''),
    anyValue,
  )
  const publicKey = fc.oneof(fc.constantFrom(...wallets.map((w) => w.wallet)), anyValue)
  const nodes = fc.oneof(
    fc.record({ publicKey, ip, quicPort: port, tcpPort: port }, { requiredKeys: [] }),
    anyValue,
  )

  it('bootstrapNodeToMultiaddrs throws only InvalidBootstrapNodeError; accepted nodes dial QUIC first', {
    timeout: TIMEOUT_MS,
  }, () => {
    check('bootstrapNodeToMultiaddrs', nodes, (node) => {
      throwsOnly([InvalidBootstrapNodeError], () => {
        const addrs = bootstrapNodeToMultiaddrs(node as BootstrapNode)
        const peerId = walletToPeerId((node as BootstrapNode).publicKey).toString()
        expect(addrs.length).toBeGreaterThan(0)
        for (const addr of addrs) expect(addr.toString().endsWith(`/p2p/${peerId}`)).toBe(true)
        if (addrs.length === 2) expect(addrs[0]?.toString()).toContain('/quic-v1/')
      })
    })
  })
})

describe('config validation', () => {
  const fn = async (): Promise<never[]> => []
  const field = <T>(valid: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: anyValue })
  const configs = fc.oneof(
    anyValue,
    fc.record(
      {
        walletPrivateKey: field(fc.constant(sample.secretKeyBase58)),
        databaseName: field(fc.string({ minLength: 1, maxLength: 140 })),
        getAuthorizedWallets: field(fc.constant(fn)),
        getBootstrapNodes: field(fc.constant(fn)),
        listenPorts: field(
          fc.record({ quic: fc.integer({ min: -1, max: 70_000 }), tcp: fc.nat() }, { requiredKeys: [] }),
        ),
        listenHost: field(fc.oneof(fc.ipV4(), fc.ipV6())),
        announceAddresses: field(fc.array(fc.string())),
        refreshIntervalMs: field(fc.integer()),
        node: field(fc.object()),
        maxMessageBytes: field(fc.integer()),
        queueSize: field(fc.integer()),
        deliverOwnEvents: field(fc.boolean()),
        throwOnNoPeers: field(fc.boolean()),
        topicScoreParams: field(fc.object()),
        walletprivatekey: fc.string(),
      },
      { requiredKeys: [] },
    ),
  )

  it('validateDatabaseConfig throws only InvalidConfigError naming fields, never the secret key', {
    timeout: TIMEOUT_MS,
  }, () => {
    check('validateDatabaseConfig', configs, (config) => {
      try {
        expect(validateDatabaseConfig(config)).toBe(config)
      } catch (err) {
        if (!(err instanceof InvalidConfigError)) throw err
        expect(err.issues.length).toBeGreaterThan(0)
        for (const issue of err.issues) expect(err.message).toContain(issue.field)
        expect(err.message).not.toContain(sample.secretKeyBase58)
      }
    })
  })
})

function parseSecretKeyBytes(base58: string): Uint8Array {
  // The 64 bytes behind a base58 secret key, via the public parser's own inverse.
  const identity = parseSecretKey(base58)
  const bytes = new Uint8Array(64)
  bytes.set(identity.privateKey.raw.subarray(0, 32))
  bytes.set(identity.walletBytes, 32)
  return bytes
}
