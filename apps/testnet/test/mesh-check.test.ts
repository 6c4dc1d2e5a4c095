import { describe, expect, test } from 'vitest'
import {
  aloneMembers,
  joinProgress,
  LARGE_PROBE_DELIVERIES_PER_S,
  MESH_PROBE_SENDERS,
  MIN_PROBE_SENDERS,
  meshProgress,
  PROBE_DELIVERIES_PER_S,
  PROBE_ROUND_MS,
  probeBudget,
  probeRate,
  probeSenderCount,
  probeSenders,
} from '../src/mesh-check.js'
import type { Network } from '../src/network.js'
import { createNodeHandle, type NodeHandle } from '../src/node-handle.js'
import { parseOptions } from '../src/options.js'
import type { ChildStats, PhaseCommand } from '../src/protocol.js'
import { type RunState, Steps, waitUntil } from '../src/steps.js'

/** A node whose latest report counts `topicPeers` subscribers on topic t0. */
function member(label: string, topicPeers: number): NodeHandle {
  const node = createNodeHandle(0, 'node', label)
  node.latest = { topicPeers: { t0: topicPeers } } as unknown as ChildStats
  return node
}

function hears(receiver: NodeHandle, id: number, ...senders: NodeHandle[]): void {
  const received = Object.fromEntries(senders.map((s) => [s.peerId, { t0: 1 }]))
  receiver.phases.set(id, { duplicates: 0, publishErrors: 0, sent: {}, received })
}

describe('the mesh check', () => {
  test('every member probes in a network of up to 100', () => {
    const members = Array.from({ length: MESH_PROBE_SENDERS }, (_, i) => i)
    expect(probeSenders(members, 1)).toEqual(members)
    expect(probeSenders(members, 3)).toEqual(members)
  })

  test('beyond 100 members, a sample probes, spread over the start order with the first and the last', () => {
    const members = Array.from({ length: 1000 }, (_, i) => i)
    for (const topics of [1, 3]) {
      const senders = probeSenders(members, topics)
      expect(senders).toHaveLength(probeSenderCount(1000, topics))
      expect(new Set(senders).size).toBe(senders.length)
      expect(senders[0]).toBe(0)
      expect(senders.at(-1)).toBe(999)
      // Evenly spread: no gap between probing members wider than twice the even spacing.
      const gaps = senders.slice(1).map((s, i) => s - (senders[i] as number))
      expect(Math.max(...gaps)).toBeLessThanOrEqual((2 * 999) / (senders.length - 1))
    }
  })

  test('beyond 100 members, as many probe as the budget lets send a round every 10 s, at least 10', () => {
    // 400 deliveries a second, one topic: 16 senders at N = 250 (a round costs 249 deliveries).
    expect(probeSenderCount(250, 1)).toBe(16)
    expect(probeSenderCount(101, 1)).toBe(40)
    // Where the budget would allow fewer than 10, 10 probe, each less often than every 10 s.
    expect(probeSenderCount(500, 1)).toBe(MIN_PROBE_SENDERS)
    expect(probeSenderCount(1000, 3)).toBe(MIN_PROBE_SENDERS)
    expect(probeRate(probeSenderCount(250, 1), 1, 250)).toBeGreaterThanOrEqual(1000 / PROBE_ROUND_MS)
  })

  test('the probe rate keeps the network near its delivery budget whatever N is', () => {
    for (const n of [10, 50, 100, 101, 250, 500, 1000, 5000])
      for (const topics of [1, 3]) {
        const senders = probeSenders(
          Array.from({ length: n }, (_, i) => i),
          topics,
        ).length
        const rate = probeRate(senders, topics, n)
        const deliveriesPerS = rate * senders * topics * (n - 1)
        const budget = n <= MESH_PROBE_SENDERS ? PROBE_DELIVERIES_PER_S : LARGE_PROBE_DELIVERIES_PER_S
        expect(probeBudget(n)).toBe(budget)
        expect(deliveriesPerS).toBeLessThanOrEqual(budget + 1e-9)
        if (rate < 4) expect(deliveriesPerS).toBeCloseTo(budget)
      }
    // Small networks probe at most 4 rounds a second each.
    expect(probeRate(3, 3, 3)).toBe(4)
  })

  test('the progress line counts the pairs heard and names the nodes without a topic peer', () => {
    const nodes = ['1', '2', '3', '4', '5'].map((label, i) => member(label, i < 2 ? 0 : 3))
    const [a, b, c, d, e] = nodes as [NodeHandle, NodeHandle, NodeHandle, NodeHandle, NodeHandle]
    hears(a, 7, b, c)
    hears(b, 7, a)
    hears(c, 6, a) // another phase's probes do not count
    // 5 members all probing: 20 pairs, 3 heard; nodes 1 and 2 have no peer on the topic.
    expect(meshProgress(nodes, nodes, 7, 1)).toBe('mesh: 3/20 pairs heard, 2 without a topic peer (1, 2)')
    // Two senders (8 pairs; 1 and 2 heard each other). Beyond three, the line names three and more.
    for (const n of nodes) n.latest = { topicPeers: {} } as unknown as ChildStats
    expect(meshProgress(nodes, [a, b], 7, 1)).toBe(
      'mesh: 2/8 pairs heard, 5 without a topic peer (1, 2, 3, ...)',
    )
    for (const n of nodes) {
      n.latest = { topicPeers: { t0: 4 } } as unknown as ChildStats
      hears(n, 7, ...nodes.filter((s) => s !== n))
    }
    expect(meshProgress(nodes, nodes, 7, 1)).toBe('mesh: 20/20 pairs heard, 0 without a topic peer')
    expect(meshProgress([d, e], [d, e], 7, 2)).toBe('mesh: 0/2 pairs heard, 2 without a topic peer (4, 5)')
  })

  test('the line before probing names the members still without a topic peer', () => {
    const nodes = ['1', '2', '3', '4', '5'].map((label, i) => member(label, i === 0 ? 2 : 0))
    expect(aloneMembers(nodes, 1).map((n) => n.label)).toEqual(['2', '3', '4', '5'])
    expect(joinProgress(nodes, 1)).toBe(
      'mesh: 4 of 5 without a topic peer (2, 3, 4, ...), no probes until none',
    )
    // A member with a peer on one topic of two is still alone.
    expect(aloneMembers([member('6', 1)], 2)).toHaveLength(1)
  })

  test('no probe is sent while a member has no topic peer: probing starts once none is alone, pauses when one is again', async () => {
    const nodes = ['0', '1', '2'].map((label, i) => member(label, i === 2 ? 0 : 2))
    // Each phase command the network is given, with how many members were alone at that moment.
    const commands: Array<{ mode: PhaseCommand['mode']; alone: number }> = []
    const network = {
      nodes,
      setPhase: (command: PhaseCommand) =>
        commands.push({ mode: command.mode, alone: aloneMembers(nodes, 1).length }),
    } as unknown as Network
    const options = parseOptions(['--nodes', '3', '--topics', '1'], false)
    if (options === undefined) throw new Error('no options')
    const state = { network, phase: '', counting: false, measured: [], expectedEndMs: 0 } as RunState
    const stop = new AbortController()
    const steps = new Steps(options, network, state, {
      log: () => {},
      signal: stop.signal,
      onState: () => {},
    })
    try {
      const formed = steps.formMesh([0, 1, 2])
      formed.catch(() => {}) // awaited below; a failed assertion before then aborts it
      await waitUntil(
        () => state.phase === 'forming mesh (waiting for topic peers)',
        5_000,
        'the wait',
        stop.signal,
      )
      expect(state.waitingFor?.()).toBe('mesh: 1 of 3 without a topic peer (2), no probes until none')
      expect(commands).toEqual([])
      ;(nodes[2] as NodeHandle).latest = { topicPeers: { t0: 1 } } as unknown as ChildStats
      await waitUntil(() => commands.length > 0, 5_000, 'the probes', stop.signal)
      expect(commands).toEqual([{ mode: 'probe', alone: 0 }])
      // Node 1 loses its last topic peer: probing pauses until it has one again.
      ;(nodes[1] as NodeHandle).latest = { topicPeers: { t0: 0 } } as unknown as ChildStats
      await waitUntil(() => commands.length > 1, 5_000, 'the pause', stop.signal)
      expect(commands[1]).toEqual({ mode: 'quiet', alone: 1 })
      expect(state.phase).toBe('forming mesh (waiting for topic peers)')
      ;(nodes[1] as NodeHandle).latest = { topicPeers: { t0: 1 } } as unknown as ChildStats
      await waitUntil(() => commands.length > 2, 5_000, 'the probes again', stop.signal)
      expect(commands[2]).toEqual({ mode: 'probe', alone: 0 })
      for (const n of nodes) hears(n, 1, ...nodes.filter((s) => s !== n))
      expect(await formed).toBeGreaterThanOrEqual(0)
      expect(commands.map((c) => c.mode)).toEqual(['probe', 'quiet', 'probe', 'quiet'])
    } finally {
      stop.abort()
    }
  })
})
