// A hole punch that failed is tried again (@depin/infrastructure's `nat.holePunchRetryMs`): two
// nodes behind masquerading NATs meet through a relay while their routers drop every TCP packet
// between the two NATs, so DCUtR's one run on the relayed connection fails; once the path is open
// again, a later punch (no new connection) makes the connection direct. Timings are figures.

import {
  createInMemoryBootstrapList,
  createInMemoryRegistry,
  generateWallets,
  waitFor,
} from '@depin/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTopology, type NetlabNode, netlabUnavailableReason, type Topology } from '../src/index.js'
import {
  connectionsTo,
  DATABASE,
  dcutrSummary,
  figure,
  natOf,
  probeUntilDelivered,
  startObservers,
  TOPIC,
  waitForNat,
} from './helpers.js'

const unavailable = netlabUnavailableReason()
if (unavailable !== undefined) console.warn(`netlab hole punch retry tests skipped: ${unavailable}`)

/** DCUtR runs `node` started as the initiator, and runs that ended (success or the last attempt failed). */
function dcutrRuns(node: NetlabNode): { started: number; ended: number } {
  let started = 0
  let ended = 0
  for (const line of node.debugLog) {
    if (/attempting unilateral connection upgrade to|not attempting unilateral/.test(line)) started++
    else if (
      /attempt 3 of 3|DCUtR to \S+ succeeded|unilateral connection upgrade to \S+ succeeded/.test(line)
    )
      ended++
  }
  return { started, ended }
}

/** An nftables table in a LAN's router that drops forwarded TCP to the other NAT's public address. */
function blockRules(otherWan: string): string {
  return `add table inet punchblock ; add chain inet punchblock forward { type filter hook forward priority -5 ; } ; add rule inet punchblock forward ip6 daddr ${otherWan} tcp dport 4002 drop`
}

describe.skipIf(unavailable !== undefined)(
  `hole punch retry${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    const wallets = generateWallets(4)
    const [relayWallet, witnessWallet, aliceWallet, bobWallet] = wallets
    if (!relayWallet || !witnessWallet || !aliceWallet || !bobWallet) throw new Error('wallets')
    const registry = createInMemoryRegistry(wallets.map((w) => w.wallet))
    const bootstrap = createInMemoryBootstrapList([])
    const nodeRegistry = {
      getAuthorizedWallets: registry.getAuthorizedWallets,
      getBootstrapNodes: bootstrap.getBootstrapNodes,
    }
    let topology: Topology | undefined
    let alice: NetlabNode
    let bob: NetlabNode

    beforeAll(async () => {
      topology = await createTopology({
        publicHosts: ['relay', 'witness'],
        lans: [
          { name: 'a', nat: 'masquerade', hosts: ['alice'] },
          { name: 'b', nat: 'masquerade', hosts: ['bob'] },
        ],
      })
      const t = topology
      await startObservers(t, bootstrap, nodeRegistry, { relay: relayWallet, witness: witnessWallet })
      // no TCP between the two NATs: every punch (and every direct dial) fails
      await t.exec(`${t.prefix}nat-a`, ['nft', blockRules(t.host('bob').publicAddress)])
      await t.exec(`${t.prefix}nat-b`, ['nft', blockRules(t.host('alice').publicAddress)])
      const common = {
        databaseName: DATABASE,
        registry: nodeRegistry,
        topic: TOPIC,
        relayServer: false,
        relayClient: true,
        debug: 'libp2p:dcutr*',
      }
      ;[alice, bob] = await Promise.all([
        t.spawnNode('alice', { ...common, secretKey: aliceWallet.secretKeyBase58 }),
        t.spawnNode('bob', { ...common, secretKey: bobWallet.secretKeyBase58 }),
      ])
    })

    afterAll(async () => {
      await topology?.destroy()
    })

    // its waits add up to more than the project's 60 s per test (each is bounded)
    it('a punch that failed while the path was blocked is run again once it is open: the relayed connection becomes direct', {
      timeout: 200_000,
    }, async () => {
      const t = topology as Topology
      await Promise.all(
        [alice, bob].map((node) =>
          waitForNat(
            node,
            (nat) => nat.advertised.includes(`/ip6/${t.host(node.name).publicAddress}/tcp/4002`),
            `${node.name} advertises the NAT address`,
          ),
        ),
      )
      await waitFor(() => connectionsTo(alice, bob).length > 0, {
        timeoutMs: 60_000,
        message: 'a relayed alice-bob connection',
      })
      // DCUtR's own runs on the relayed connections (one each way at most): every attempt dropped
      const settled = () =>
        [alice, bob].every((node) => dcutrRuns(node).ended >= dcutrRuns(node).started) &&
        dcutrRuns(alice).started + dcutrRuns(bob).started > 0
      await waitFor(settled, {
        timeoutMs: 45_000,
        message: `DCUtR's runs to give up (${JSON.stringify([dcutrRuns(alice), dcutrRuns(bob)])})`,
      })
      expect(connectionsTo(alice, bob).every((c) => c.relayed)).toBe(true)
      const blockedFor = Date.now()
      await t.exec(`${t.prefix}nat-a`, ['nft', 'delete table inet punchblock'])
      await t.exec(`${t.prefix}nat-b`, ['nft', 'delete table inet punchblock'])
      await waitFor(() => connectionsTo(alice, bob).some((c) => !c.relayed), {
        timeoutMs: 60_000,
        message: `a direct alice-bob connection after the path opened (${dcutrSummary(bob, alice).join(' / ')})`,
      })
      const [natA, natB] = await Promise.all([natOf(alice), natOf(bob)])
      expect((natA?.holePunchRetries ?? 0) + (natB?.holePunchRetries ?? 0)).toBeGreaterThan(0)
      await probeUntilDelivered(alice, bob, 'after-retry', { timeoutMs: 30_000 })
      figure('hole-punch-retry', {
        runs: { alice: dcutrRuns(alice), bob: dcutrRuns(bob) },
        openToDirectMs: Date.now() - blockedFor,
        retries: { alice: natA?.holePunchRetries, bob: natB?.holePunchRetries },
        via: connectionsTo(alice, bob)
          .filter((c) => !c.relayed)
          .map((c) => `${c.direction} ${c.remoteAddr.replace(/\/p2p\/\w+/g, '')}`),
      })
    })
  },
)
