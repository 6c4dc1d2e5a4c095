import { createTestLibp2p, generateWallet, waitFor } from '@depin/test-utils'
import type { Libp2p } from '@libp2p/interface'
import { type KadDHT, kadDHT, passthroughMapper, type QueryEvent } from '@libp2p/kad-dht'
import { type Ping, ping } from '@libp2p/ping'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, expect, it } from 'vitest'
import { DHT_PROTOCOL } from '../src/libp2p-options.js'

// patches/@libp2p__kad-dht@16.4.5.patch adds `provideWalkTimeout`: a provide whose walk to the closest
// peers has not finished by then hands its record to the peers that answered so far (as
// go-libp2p-kad-dht's Provide does), instead of failing as a whole when its signal aborts mid-walk.
const nodes: Libp2p[] = []
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.stop()))
})

async function dhtNode(provideWalkTimeout?: number): Promise<Libp2p<{ dht: KadDHT; ping: Ping }>> {
  const node = await createTestLibp2p<{ dht: KadDHT; ping: Ping }>({
    privateKey: generateWallet().identity.privateKey,
    transports: ['tcp'],
    options: {
      services: {
        ping: ping(),
        dht: kadDHT({
          protocol: DHT_PROTOCOL,
          clientMode: false,
          peerInfoMapper: passthroughMapper,
          // Its first self-query runs before it has peers, so queries need not wait for one that
          // would itself wait on the silent peer.
          initialQuerySelfInterval: 0,
          // A request to the silent peer outlasts every signal here (kad-dht gives up after 5 s by
          // default, and a walk that then finished would hide what the option does).
          networkDialTimeout: { minTimeout: 60_000, maxTimeout: 60_000 },
          ...(provideWalkTimeout === undefined ? {} : { provideWalkTimeout }),
        }),
      },
    },
  })
  nodes.push(node)
  return node
}

/** A provider connected to an honest DHT server and to one that takes every request and never answers. */
async function providerWithSilentPeer(provideWalkTimeout?: number) {
  const provider = await dhtNode(provideWalkTimeout)
  const honest = await dhtNode()
  const silent = await createTestLibp2p({
    privateKey: generateWallet().identity.privateKey,
    transports: ['tcp'],
    options: { services: { ping: ping() } },
  })
  nodes.push(silent)
  // Takes every DHT request and never answers: the stream stays open until the asker gives up. (It
  // answers libp2p pings, which is how kad-dht checks a new contact before taking it.)
  await silent.handle(DHT_PROTOCOL, () => {})
  for (const peer of [honest, silent]) {
    const addr = peer.getMultiaddrs()[0]
    if (addr === undefined) throw new Error('no address')
    await provider.dial(addr)
  }
  // Both in the provider's routing table before it walks.
  const table = (provider.services.dht as unknown as { routingTable: { size: number } }).routingTable
  await waitFor(() => table.size >= 2, { message: "both peers in the provider's routing table" })
  return { provider, honest }
}

async function provideAll(dht: KadDHT, key: CID, signal: AbortSignal): Promise<QueryEvent[]> {
  const events: QueryEvent[] = []
  for await (const event of dht.provide(key, { signal })) events.push(event)
  return events
}

const keyOf = async (text: string): Promise<CID> =>
  CID.createV1(0x55, await sha256.digest(new TextEncoder().encode(text)))

it('a provide whose walk outlasts provideWalkTimeout gives its record to the peers that answered', async () => {
  const { provider, honest } = await providerWithSilentPeer(3_000)
  const key = await keyOf('walk-timeout')
  // The walk ends after 3 s (the honest peer answers well within it); the rest of the 20 s is for
  // the record, ample on a loaded machine.
  const events = await provideAll(provider.services.dht, key, AbortSignal.timeout(20_000))
  const reached = events.filter((e) => e.name === 'PEER_RESPONSE' && e.messageName === 'ADD_PROVIDER')
  expect(reached.map((e) => (e.name === 'PEER_RESPONSE' ? e.from.toString() : ''))).toEqual([
    honest.peerId.toString(),
  ])
  // The honest peer holds the record: a lookup there finds the provider (its own records come first).
  const found: string[] = []
  for await (const event of honest.services.dht.findProviders(key, { signal: AbortSignal.timeout(20_000) })) {
    if (event.name === 'PROVIDER') found.push(...event.providers.map((p) => p.id.toString()))
    if (found.includes(provider.peerId.toString())) break
  }
  expect(found).toContain(provider.peerId.toString())
})

it('without it, the same provide fails when its signal aborts mid-walk and the record reaches nobody', async () => {
  const { provider } = await providerWithSilentPeer()
  const key = await keyOf('no-walk-timeout')
  const events: QueryEvent[] = []
  await expect(
    (async () => {
      for await (const event of provider.services.dht.provide(key, { signal: AbortSignal.timeout(2_000) }))
        events.push(event)
    })(),
  ).rejects.toThrow()
  expect(events.filter((e) => e.name === 'PEER_RESPONSE' && e.messageName === 'ADD_PROVIDER')).toEqual([])
})
