// The scenarios: how the network is started, which fault is made, and what must hold afterwards
// (see the README's table). Each records its figures in `steps.outcome` and its own checks.

import { decodeBase58 } from '@depin/identity'
import type { NodeHandle } from './node-handle.js'
import { phaseFigures } from './report.js'
import type { Steps } from './steps.js'

/** Runs `steps.options.scenario`; throws when a step does not happen in time. */
export async function runScenario(steps: Steps): Promise<void> {
  switch (steps.options.scenario) {
    case 'none':
      return steady(steps)
    case 'late-bootstrap':
      return lateBootstrap(steps)
    case 'bootstrap-failover':
      return bootstrapFailover(steps)
    case 'partition':
      return partition(steps)
    case 'revoke':
      return revoke(steps)
  }
}

/** Every node up, the mesh formed, an optional idle window, then one measured phase. */
async function steady(steps: Steps): Promise<void> {
  const { network, outcome, options } = steps
  outcome.allReadyMs = await steps.startNetwork()
  // When each step ended, in ms from the network's start (t0, epoch ms): a benchmark sampling
  // the processes from outside reads its idle and busy windows from here.
  const timeline: Record<string, unknown> = { t0: network.t0, readyAtMs: network.now() }
  outcome.timeline = timeline
  outcome.meshFormedMs = await steps.formMesh(steps.all())
  timeline.meshAtMs = network.now()
  if (options.idleS > 0) {
    steps.setPhase(`idle for ${options.idleS} s (nothing published)`)
    const fromMs = network.now()
    await steps.sleep(options.idleS * 1000)
    timeline.idle = { fromMs, toMs: network.now() }
  }
  timeline.publish = { fromMs: network.now(), toMs: network.now() + steps.publishMs }
  await steps.measure('steady', steps.all(), steps.publishMs)
  // Its late deliveries drained: a run stopped after this lost none of its counted events.
  timeline.measuredAtMs = network.now()
}

/** The clients start first and retry their bootstrap list; then the bootstrap node starts. */
async function lateBootstrap(steps: Steps): Promise<void> {
  const { network, outcome, options } = steps
  await network.prepare([0])
  const clients = steps.range(1, options.nodes)
  await steps.startNodes(clients)
  await steps.startIntruders()
  steps.setPhase('clients up, bootstrap node not started yet')
  const retriedMs = await steps.waitUntil(
    () => steps.nodes(clients).every((n) => (n.latest?.retryAttempts ?? 0) >= 1),
    steps.readyTimeoutMs,
    'every client to retry its bootstrap list',
  )
  const notReadyBefore = steps.nodes(clients).filter((n) => !steps.ready(n)).length
  outcome.clientsRetryingBeforeBootstrap = clients.length
  outcome.clientsNotReadyBeforeBootstrap = notReadyBefore
  steps.hooks.log(`all ${clients.length} clients retried (${retriedMs} ms); starting the bootstrap node`)
  steps.check(
    'clients not ready before bootstrap',
    notReadyBefore === clients.length,
    `${notReadyBefore}/${clients.length} not ready while the bootstrap node was down`,
  )
  const bootstrapAt = network.now()
  await steps.startNodes([0])
  steps.setPhase('waiting for readiness')
  outcome.readyAfterBootstrapMs = await steps.waitReady(
    steps.all(),
    'network after the bootstrap node started',
  )
  outcome.bootstrapStartedAtMs = bootstrapAt
  outcome.clientRetryAttempts = Object.fromEntries(
    steps.nodes(clients).map((n) => [n.label, n.latest?.retryAttempts ?? 0]),
  )
  await steps.formMesh(steps.all())
  await steps.measure('after late bootstrap', steps.all(), steps.publishMs)
}

/** Bootstrap node 0 is killed; a newcomer whose first bootstrap entry is dead joins through node 1. */
async function bootstrapFailover(steps: Steps): Promise<void> {
  const { network, outcome, options } = steps
  await network.prepare([0, 1])
  const newcomer = options.nodes - 1
  const before = steps.range(0, newcomer)
  const after = steps.range(1, options.nodes)
  await steps.startNodes([0, 1])
  await steps.startNodes(steps.range(2, newcomer))
  await steps.startIntruders()
  steps.setPhase('waiting for readiness')
  await steps.waitReady(before, 'network')
  await steps.formMesh(before)
  await steps.measure('before failover', before, steps.publishMs / 2)
  steps.setPhase('killing bootstrap node 0')
  await network.kill(network.nodes[0] as NodeHandle)
  steps.hooks.log('bootstrap node 0 killed; starting a newcomer whose first bootstrap entry is dead')
  await steps.startNodes([newcomer])
  steps.setPhase('waiting for readiness after failover')
  outcome.readyAfterFailoverMs = await steps.waitReady(after, 'network after failover')
  const n = network.nodes[newcomer] as NodeHandle
  outcome.newcomer = {
    label: n.label,
    peers: n.latest?.peers.length ?? 0,
    connectedToSecondBootstrap: n.latest?.peers.includes((network.nodes[1] as NodeHandle).peerId) ?? false,
    bootstrapAttempts: n.latest?.bootstrapAttempts ?? 0,
    bootstrapFailures: n.latest?.bootstrapFailures ?? 0,
  }
  steps.check(
    'newcomer joined through the second bootstrap node',
    steps.ready(n),
    `node ${n.label} ready with ${n.latest?.peers.length ?? 0} peers`,
  )
  await steps.formMesh(after)
  await steps.measure('after failover', after, steps.publishMs / 2)
}

/** Every node but the last is killed (the survivor loses every peer), then restarted. */
async function partition(steps: Steps): Promise<void> {
  const { network, outcome, options } = steps
  const { last: survivor, others: killed } = await steps.beforeFault('partition')
  steps.setPhase(`partition: killing nodes ${killed.join(', ')}`)
  await Promise.all(steps.nodes(killed).map((n) => network.kill(n)))
  const lostMs = await steps.waitUntil(
    () => survivor.latest?.ready === false,
    steps.readyTimeoutMs,
    `node ${survivor.label} to notice it lost every peer`,
  )
  outcome.survivor = survivor.label
  outcome.survivorNotReadyAfterMs = lostMs
  steps.hooks.log(`node ${survivor.label} not ready ${lostMs} ms after the partition; restarting the others`)
  steps.setPhase('healing: restarting killed nodes')
  await steps.startNodes([0])
  await steps.startNodes(steps.range(1, options.nodes - 1))
  outcome.healedReadyMs = await steps.waitReady(steps.all(), 'network after healing')
  outcome.survivorRecoveryMs = survivor.latest?.lastRecoveryMs ?? null
  outcome.survivorTransitions = survivor.transitions.map((t) => `${(t.atMs / 1000).toFixed(1)}s ${t.event}`)
  const events = survivor.transitions.map((t) => t.event)
  const lost = events.lastIndexOf('not-ready')
  steps.check(
    'survivor went not-ready and recovered',
    lost >= 0 && events.indexOf('ready', lost) > lost && steps.ready(survivor),
    events.join(' -> '),
  )
  await steps.formMesh(steps.all())
  await steps.measure('after heal', steps.all(), steps.publishMs / 2)
}

/** The last node's wallet leaves the registry: its connections drop and its events reach nobody. */
async function revoke(steps: Steps): Promise<void> {
  const { network, outcome, options } = steps
  const { last: revoked, others: members } = await steps.beforeFault('revoke')
  steps.setPhase(`revoking node ${revoked.label}'s wallet in the registry`)
  network.registry.delete(revoked.wallet)
  // On chain: the wallet's token is burned; the nodes' subscriptions push the change to their gaters.
  await network.onChain?.revoke(revoked.wallet, decodeBase58(revoked.secretKey))
  revoked.transitions.push({
    atMs: network.now(),
    ready: revoked.latest?.ready ?? false,
    peers: revoked.latest?.peers.length ?? 0,
    event: 'revoked',
  })
  const connectedToRevoked = (n: NodeHandle): boolean => n.latest?.peers.includes(revoked.peerId) ?? true
  const droppedMs = await steps.waitUntil(
    () => (revoked.latest?.peers.length ?? 1) === 0 && !steps.nodes(members).some(connectedToRevoked),
    options.refreshIntervalMs * 5 + 10_000,
    `node ${revoked.label}'s connections to drop`,
  )
  outcome.revoked = revoked.label
  outcome.connectionsDroppedAfterMs = droppedMs
  steps.hooks.log(
    `node ${revoked.label} disconnected from everyone ${droppedMs} ms after its wallet left the registry`,
  )
  await steps.formMesh(members)
  const last = await steps.measure('after revoke', members, steps.publishMs / 2, [revoked.index])
  const phase = phaseFigures(last, network.nodes, network.intruders)
  outcome.revokedEventsPublished = phase.excludedPublished
  outcome.revokedEventsDelivered = phase.excludedDelivered
  outcome.revokedRefusals = network.refusalsOf(revoked.peerId)
  steps.check(
    'revoked node cut off',
    // The revoked node keeps dialing (its retry loop); members end each attempt at the handshake.
    phase.excludedPublished > 0 &&
      phase.excludedDelivered === 0 &&
      steps.nodes(members).every((n) => !(n.latest?.peers.includes(revoked.peerId) ?? false)),
    `${phase.excludedPublished} events published by node ${revoked.label} after revocation, ${phase.excludedDelivered} delivered`,
  )
}
