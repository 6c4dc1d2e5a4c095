import { createGaterGroup } from '@depin/gater'
import type { Libp2p } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { createPeerAccountability } from './accountability.js'
import type { NodeInit } from './config.js'
import { resolveNodeInit } from './config-resolve.js'
import { watchConnectedPeers } from './connected-peers.js'
import { NodeStartError } from './errors.js'
import {
  DEFAULT_APP_SPECIFIC_WEIGHT,
  DEFAULT_GRAYLIST_THRESHOLD,
  GOSSIPSUB_HEARTBEAT_MS,
  gossipsubOptions,
  withAppSpecificScore,
} from './gossipsub-defaults.js'
import { gossipSubHeartbeat } from './heartbeat-clock.js'
import { createLatencyPeering, type LatencyPeering } from './latency-peering.js'
import { AUTONAT_PROTOCOL, type DepinServices, libp2pOptions } from './libp2p-options.js'
import { Node } from './node.js'
import type { DepinNode } from './node-api.js'
import { loadPortMapping } from './port-mapping.js'

/**
 * Creates, starts and returns a node; resolves as soon as it is listening (it does not wait for
 * a peer: use `waitUntilReady()` or the `ready` event).
 *
 * @example
 * const node = await createNode({ identity: parseSecretKey(key), getBootstrapNodes })
 * const db = await node.joinDatabase('my-depin', registryGater)
 * await node.waitUntilReady({ signal: AbortSignal.timeout(30_000) })
 * node.libp2p.services.pubsub.subscribe('my-depin_rooms')
 * await db.leave(); await node.stop()
 */
export async function createNode(init: NodeInit): Promise<DepinNode> {
  const startedAt = Date.now()
  const config = resolveNodeInit(init)
  const gaters = createGaterGroup({ logger: config.logger })
  const gossipsub = gossipsubOptions(config.gossipsub)
  const accountability = createPeerAccountability({
    ...config.accountability,
    suspend: (peerId, durationMs) => {
      gaters.suspend(peerId, durationMs)
    },
    isSuspended: (peerId) => gaters.isSuspended(peerId),
    score: {
      graylistThreshold: gossipsub.scoreThresholds?.graylistThreshold ?? DEFAULT_GRAYLIST_THRESHOLD,
      appSpecificWeight: gossipsub.scoreParams?.appSpecificWeight ?? DEFAULT_APP_SPECIFIC_WEIGHT,
    },
    logger: config.logger,
  })
  let libp2p: Libp2p<DepinServices>
  // Latency-aware peering adds its preference for near peers to the accountability's P5 score.
  let latency: LatencyPeering | undefined
  const scoring = {
    appSpecificScore: (peerId: string) =>
      accountability.appSpecificScore(peerId) + (latency?.appSpecificScore(peerId) ?? 0),
  }
  const portMapping = config.portMapping.enabled
    ? await loadPortMapping({ gateways: config.portMapping.gateways, logger: config.logger })
    : undefined
  try {
    libp2p = await createLibp2p(
      libp2pOptions(config, gaters.connectionGater, withAppSpecificScore(gossipsub, scoring), portMapping),
    )
    // See NodeInit.autonat: the upstream AutoNAT server drops the requester's connection.
    if (!config.autonat.server) await libp2p.unhandle(AUTONAT_PROTOCOL)
  } catch (cause) {
    throw new NodeStartError(config.listenAddresses, { cause })
  }
  // The node's periodic upkeep runs in the wake-ups of GossipSub's heartbeat (heartbeat-clock.ts).
  const clock = gossipSubHeartbeat(
    libp2p.services.pubsub,
    gossipsub.heartbeatInterval ?? GOSSIPSUB_HEARTBEAT_MS,
  )
  const connected = watchConnectedPeers(libp2p)
  if (config.peering.latencyAware) {
    latency = createLatencyPeering({
      libp2p,
      connected,
      options: config.peering,
      connectionLimits: config.connectionLimits,
      logger: config.logger,
      clock,
    })
    await latency.serve()
  }
  const node = new Node(config, libp2p, gaters, accountability, startedAt, latency, clock, connected)
  node.start()
  return node
}
