import { generateWallet, waitFor } from '@depin/test-utils'
import type { Connection, PeerId } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { sharedContactPings } from '../src/dht-contact-pings.js'
import { bootstrapEntryOf, createTestNetwork, routingTableSizes } from './helpers.js'

/** A ping service that counts its calls by target and answers (or fails) when told. */
function fakePing() {
  const calls: string[] = []
  const pending: Array<{ resolve: (rtt: number) => void; reject: (err: Error) => void }> = []
  const service = {
    ping: (peer: unknown) => {
      calls.push(String(peer))
      return new Promise<number>((resolve, reject) => pending.push({ resolve, reject }))
    },
  } as unknown as Ping
  return { service, calls, pending }
}

const peer = (): PeerId => generateWallet().identity.peerId

describe('one contact ping for both DHTs', () => {
  it('joins a ping in flight, reuses an answer while fresh, pings again after', async () => {
    let now = 1_000
    const share = sharedContactPings({ freshMs: 60_000, now: () => now })
    const fake = fakePing()
    const wan = share.wrap({ ping: fake.service })
    const lan = share.wrap({ ping: fake.service })
    const b = peer()
    const first = wan.ping.ping(b)
    const second = lan.ping.ping(b)
    expect(fake.calls).toEqual([b.toString()])
    fake.pending[0]?.resolve(7)
    await expect(Promise.all([first, second])).resolves.toEqual([7, 7])
    now += 59_000
    await expect(lan.ping.ping(b)).resolves.toBe(7)
    expect(fake.calls).toHaveLength(1)
    now += 2_000
    const third = wan.ping.ping(b)
    expect(fake.calls).toHaveLength(2)
    fake.pending[1]?.resolve(3)
    await expect(third).resolves.toBe(3)
  })

  it('does not remember a failed ping, and passes a multiaddr through as is', async () => {
    const share = sharedContactPings()
    const fake = fakePing()
    const dht = share.wrap({ ping: fake.service })
    const b = peer()
    const failed = dht.ping.ping(b)
    fake.pending[0]?.reject(new Error('no answer'))
    await expect(failed).rejects.toThrow('no answer')
    void dht.ping.ping(b)
    expect(fake.calls).toHaveLength(2)
    fake.pending[1]?.resolve(1)
    await dht.ping.ping(b)
    const address = multiaddr('/ip4/127.0.0.1/tcp/4001')
    void dht.ping.ping(address)
    void dht.ping.ping(address)
    expect(fake.calls.slice(2)).toEqual([address.toString(), address.toString()])
  })

  it('a caller that joined a ping its first caller gave up on pings on its own', async () => {
    const share = sharedContactPings()
    const fake = fakePing()
    const [wan, lan] = [share.wrap({ ping: fake.service }), share.wrap({ ping: fake.service })]
    const b = peer()
    const gaveUp = new AbortController()
    const first = wan.ping.ping(b, { signal: gaveUp.signal })
    const joined = lan.ping.ping(b)
    expect(fake.calls).toHaveLength(1)
    gaveUp.abort()
    fake.pending[0]?.reject(new Error('aborted'))
    await expect(first).rejects.toThrow('aborted')
    await expect.poll(() => fake.calls.length).toBe(2)
    fake.pending[1]?.resolve(9)
    await expect(joined).resolves.toBe(9)
  })

  it('a ping that failed for the peer fails for the caller that joined it, with no second ping', async () => {
    // Pinging again would redial a peer that had just hung up (a CI failure: a peer's DHT
    // reconnected to a node that hung up on it, before that node's own retry loop could).
    const share = sharedContactPings()
    const fake = fakePing()
    const [wan, lan] = [share.wrap({ ping: fake.service }), share.wrap({ ping: fake.service })]
    const b = peer()
    const first = wan.ping.ping(b, { signal: new AbortController().signal })
    const joined = lan.ping.ping(b)
    fake.pending[0]?.reject(new Error('connection closed'))
    await expect(first).rejects.toThrow('connection closed')
    await expect(joined).rejects.toThrow('connection closed')
    expect(fake.calls).toHaveLength(1)
  })

  it('remembers at most `max` contacts, forgetting the least recently answered', async () => {
    const share = sharedContactPings({ max: 2 })
    const fake = fakePing()
    const dht = share.wrap({ ping: fake.service })
    const [b, c, d] = [peer(), peer(), peer()]
    for (const [i, p] of [b, c, d].entries()) {
      const answer = dht.ping.ping(p)
      fake.pending[i]?.resolve(1)
      await answer
    }
    // c and d are remembered; b was forgotten and is pinged again.
    await dht.ping.ping(c)
    await dht.ping.ping(d)
    expect(fake.calls).toHaveLength(3)
    void dht.ping.ping(b)
    expect(fake.calls).toHaveLength(4)
  })

  it('a contact held by an open, unlimited connection is alive without a ping', async () => {
    const fake = fakePing()
    const [open, limited, closing, apart] = [peer(), peer(), peer(), peer()]
    const connections = new Map<string, Array<Partial<Connection>>>([
      [open.toString(), [{ status: 'closing' }, { status: 'open', rtt: 4 }]],
      [limited.toString(), [{ status: 'open', limits: { bytes: 1n } }]],
      [closing.toString(), [{ status: 'closing' }]],
    ])
    const connectionManager = {
      getConnections: (p?: PeerId) => (connections.get(String(p)) ?? []) as Connection[],
    }
    const dht = sharedContactPings().wrap({ ping: fake.service, connectionManager })
    await expect(dht.ping.ping(open)).resolves.toBe(4)
    expect(fake.calls).toEqual([])
    // A relayed (limited) connection carries no DHT, a closing one is no proof, none at all: pinged.
    for (const p of [limited, closing, apart]) void dht.ping.ping(p)
    expect(fake.calls).toEqual([limited, closing, apart].map(String))
  })

  it('reads every other component through, from the node components underneath', () => {
    const fake = fakePing()
    const components = { ping: fake.service, peerStore: { name: 'store' } }
    const wrapped = sharedContactPings().wrap(components)
    expect(wrapped.peerStore).toBe(components.peerStore)
    expect(wrapped.ping).not.toBe(fake.service)
  })
})

describe('with real nodes', () => {
  const net = createTestNetwork()
  afterEach(() => net.stopAll())

  it('both DHTs of a node take a new connected peer without pinging it', async () => {
    // Nothing else of a's pings b: no connection monitor (it pings TCP peers), and latency-aware
    // peering (TCP peers' RTT pings) is off by default.
    const a = await net.start({ name: 'pings-a', init: { connectionMonitor: { pingIntervalMs: 0 } } })
    const services = a.node.libp2p.services
    if (services.lanDht === undefined) throw new Error('the test nodes run the LAN DHT')
    const real = services.ping.ping.bind(services.ping)
    const pinged: string[] = []
    services.ping.ping = (target, options) => {
      pinged.push(String(target))
      return real(target, options)
    }
    const b = await net.start({ name: 'pings-b', bootstrap: [bootstrapEntryOf(a.node)] })
    await waitFor(() => Object.values(routingTableSizes(a.node)).every((size) => size === 1), {
      message: "both of a's DHTs to take b into their routing tables",
    })
    // Each DHT pinged b itself before the shared ping (two pings), then once for both; b is connected.
    expect(a.node.libp2p.getConnections(b.node.peerId).length).toBeGreaterThan(0)
    expect(pinged).toEqual([])
  })
})
