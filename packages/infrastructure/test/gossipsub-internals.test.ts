import { readFileSync } from 'node:fs'
import { waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  GOSSIPSUB_DEFAULTS,
  GOSSIPSUB_INTERNALS_CHECKED_VERSION,
  GOSSIPSUB_MEMBERS,
  type GossipSubMember,
  gossipSubInternals,
  missingGossipSubMembers,
} from '../src/index.js'
import { bootstrapEntryOf, createTestLogger, createTestNetwork } from './helpers.js'

// These tests read private members of @libp2p/gossipsub on purpose: they guard the adapter that is
// the only place the packages read them. When one fails after a GossipSub upgrade, fix
// src/gossipsub-internals.ts (and its callers) before anything else.
const net = createTestNetwork()
afterEach(() => net.stopAll())

const MEMBER_NAMES = Object.keys(GOSSIPSUB_MEMBERS) as GossipSubMember[]

function versionOf(packageJsonUrl: URL): unknown {
  return (JSON.parse(readFileSync(packageJsonUrl, 'utf8')) as { version?: unknown }).version
}

describe('GossipSub internals adapter', () => {
  it('the pinned @libp2p/gossipsub is the version the adapter was checked against', () => {
    const pins = ['../package.json', '../../messaging/package.json'].map(
      (path) =>
        (
          JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {
            dependencies: Record<string, string>
          }
        ).dependencies['@libp2p/gossipsub'],
    )
    const installed = versionOf(new URL('../../package.json', import.meta.resolve('@libp2p/gossipsub')))
    const advice = `@libp2p/gossipsub moved past ${GOSSIPSUB_INTERNALS_CHECKED_VERSION}: check every member in src/gossipsub-internals.ts against the new version (run this file), then update GOSSIPSUB_INTERNALS_CHECKED_VERSION`
    expect(pins, advice).toEqual([GOSSIPSUB_INTERNALS_CHECKED_VERSION, GOSSIPSUB_INTERNALS_CHECKED_VERSION])
    expect(installed, advice).toBe(GOSSIPSUB_INTERNALS_CHECKED_VERSION)
  })

  it('a running GossipSub has every member the adapter reads, and the adapter reads them right', async () => {
    const a = await net.start({ name: 'internals-a' })
    const b = await net.start({ name: 'internals-b', bootstrap: [bootstrapEntryOf(a.node)] })
    const { pubsub } = a.node.libp2p.services
    const missing = missingGossipSubMembers(pubsub)
    expect(
      missing,
      `@libp2p/gossipsub no longer has: ${missing.map((m) => `${m} (${GOSSIPSUB_MEMBERS[m].expected})`).join(', ')}`,
    ).toEqual([])

    const logger = createTestLogger('internals')
    const internals = gossipSubInternals(pubsub, logger)
    const peer = b.node.peerId.toString()
    await waitFor(
      () => internals.hasOutboundStream(peer) === true && internals.hasInboundStream(peer) === true,
      {
        message: 'A holds GossipSub streams both ways with B',
      },
    )
    expect(internals.hasOutboundStream(a.node.peerId.toString())).toBe(false)

    // The outbound stream reset on a live connection: gone from the map, and reopened on demand.
    const connection = a.node.libp2p.getConnections(b.node.peerId).find((c) => c.status === 'open')
    if (connection === undefined) throw new Error('A has no open connection to B')
    for (const stream of connection.streams) {
      if (stream.direction === 'outbound' && pubsub.protocols.includes(stream.protocol ?? '')) {
        stream.abort(new Error('test: stream reset'))
      }
    }
    await waitFor(() => internals.hasOutboundStream(peer) === false, {
      message: 'the outbound stream is gone',
    })
    const opening = internals.openOutboundStream(b.node.peerId, connection)
    expect(opening).toBeInstanceOf(Promise)
    await opening
    expect(internals.hasOutboundStream(peer)).toBe(true)
    // The queued variant exists and returns at once for a peer that has its stream.
    expect(internals.queueOutboundStream(b.node.peerId, connection)).toBe(true)

    // The mesh: both subscribed to one topic, each in the other's mesh once a heartbeat has run.
    a.node.libp2p.services.pubsub.subscribe('internals-mesh')
    b.node.libp2p.services.pubsub.subscribe('internals-mesh')
    await waitFor(() => internals.meshPeers()?.has(peer) === true, { message: 'B in the mesh of A' })

    // Score settings: the live topic table (the same object GossipSub scores with) and our threshold.
    const topics = internals.topicScoreParams()
    expect(topics).toBeTypeOf('object')
    expect(topics).toBe(internals.topicScoreParams())
    expect(internals.graylistThreshold()).toBe(GOSSIPSUB_DEFAULTS.scoreThresholds?.graylistThreshold)

    // Peer exchange's dial: the node's own limit is on it already (its upkeep); another wrap goes
    // around it, and that wrap's undo puts the limit back.
    const pxConnect = (): unknown => (pubsub as unknown as { pxConnect: unknown }).pxConnect
    const limited = pxConnect()
    expect(Object.hasOwn(pubsub, 'pxConnect')).toBe(true)
    const undo = internals.wrapPeerExchange((dial) => dial)
    expect(pxConnect()).not.toBe(limited)
    undo?.()
    expect(pxConnect()).toBe(limited)

    expect(logger.lines.filter((line) => line.includes(' error '))).toEqual([])
  })

  it('names each missing member once in an error, and answers as if it were absent', () => {
    const logger = createTestLogger('internals-missing')
    const stale = { streamsOutbound: {}, opts: { scoreThresholds: { graylistThreshold: '-80' } } }
    expect(missingGossipSubMembers(stale)).toEqual(MEMBER_NAMES)
    const internals = gossipSubInternals(stale, logger)
    const peerId = {} as never
    const connection = {} as never
    for (let round = 0; round < 2; round++) {
      expect(internals.hasOutboundStream('peer')).toBeUndefined()
      expect(internals.hasInboundStream('peer')).toBeUndefined()
      expect(internals.openOutboundStream(peerId, connection)).toBeUndefined()
      expect(internals.queueOutboundStream(peerId, connection)).toBe(false)
      expect(internals.meshPeers()).toBeUndefined()
      expect(internals.wrapPeerExchange((dial) => dial)).toBeUndefined()
      expect(internals.topicScoreParams()).toBeUndefined()
      expect(internals.graylistThreshold()).toBeUndefined()
    }
    const errors = logger.lines.filter((line) => line.includes(' error '))
    expect(errors).toHaveLength(MEMBER_NAMES.length)
    for (const name of MEMBER_NAMES) {
      const line = errors.find((l) => l.includes(`member=${name} `))
      expect(line).toContain(GOSSIPSUB_MEMBERS[name].expected)
      expect(line).toContain(GOSSIPSUB_INTERNALS_CHECKED_VERSION)
    }
  })
})
