import { createTestLibp2p, generateWallet, waitFor } from '@depin/test-utils'
import type { Libp2p } from '@libp2p/interface'
import { afterEach, expect, test, vi } from 'vitest'

// patches/@libp2p__peer-store@12.0.28.patch and @libp2p__peer-record@9.0.16.patch: the peer store
// orders protocols, tags and addresses by code units instead of a locale-aware comparison (ICU's
// collator: ~3 MB of resident memory per node and time on every record update). Remove with the
// patches once upstream has them.

const nodes: Libp2p[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.allSettled(nodes.splice(0).map((n) => n.stop()))
})

test('starting, connecting and identifying two nodes never calls the locale-aware comparison', async () => {
  const localeCompare = vi.spyOn(String.prototype, 'localeCompare')
  const a = await createTestLibp2p({ privateKey: generateWallet().identity.privateKey, transports: ['tcp'] })
  const b = await createTestLibp2p({ privateKey: generateWallet().identity.privateKey, transports: ['tcp'] })
  nodes.push(a, b)
  await a.dial(b.getMultiaddrs()[0]!)
  // Identify fills the peer store with b's protocols and addresses (sorted by the patched code).
  const peer = await waitFor(
    async () => {
      const p = await a.peerStore.get(b.peerId).catch(() => undefined)
      return p !== undefined && p.protocols.length > 0 ? p : undefined
    },
    { message: "b's protocols in a's peer store" },
  )
  await a.peerStore.merge(b.peerId, { tags: { zeta: { value: 1 }, alpha: { value: 2 } } })
  expect(localeCompare).not.toHaveBeenCalled()
  // Still ordered, so records compare and encode the same way every time.
  expect(peer.protocols).toEqual([...peer.protocols].sort())
  expect([...(await a.peerStore.get(b.peerId)).tags.keys()]).toEqual(['alpha', 'zeta'])
})
