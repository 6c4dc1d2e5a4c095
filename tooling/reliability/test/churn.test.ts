import { generateWallet } from '@depin/identity'
import type { BootstrapNode } from '@depin/pubsub'
import { waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { hostOf } from '../src/network.js'
import { createRandom, summarize } from '../src/stats.js'
import { type MemberProcess, spawnMember } from './churn-process.js'

// CHURN_NODES members (default 20, as issue 9 asks), each in its own OS process (one process per
// node, as deployed: 20 nodes in one process saturate the event loop on 2 cores, see README
// "Churn"). The test process owns the registry and answers the members over IPC. For CHURN_MS a
// random member stops every STOP_EVERY_MS (at most MAX_DOWN down; half SIGKILLed, half graceful
// disconnect) and restarts after 0.5-1.5 s with the same wallet (seeds on the same ports), while
// random ready members publish every PUBLISH_EVERY_MS.
// A published event is expected at every other member that was ready for at least READY_GRACE_MS
// when it was sent (mesh grafting takes a heartbeat or two) and that was not stopped within
// DELIVERY_WINDOW_MS after. That ratio (live delivery alone) is reported; the test asserts every node
// comes back to ready and that the healed network delivers a fresh event to every node.
// With catch-up (the library default; CHURN_CATCH_UP=0 turns it off), a restarted member subscribes
// with `catchUp: { sinceMs }` from the last `subscription.resumeFrom()` its previous processes
// reported (with each event and every second), as an application that stores it with its events
// would, and its peers' history fills in what it missed: then every event must reach every other
// member, each once per process. (The time of the last event is not enough: a process stopped
// again before its own catch-up finished would skip the gap that catch-up was for.)
const SIZE = Number(process.env.CHURN_NODES ?? 20)
const SEEDS = 3
const START_BATCH = 4
const CHURN_MS = 12_000
const PUBLISH_EVERY_MS = 200
const STOP_EVERY_MS = 700
const MAX_DOWN = Math.max(3, Math.floor(SIZE / 5))
const READY_GRACE_MS = 1_000
const DELIVERY_WINDOW_MS = 2_000
const READY_TIMEOUT_MS = 20_000
const FINAL_ATTEMPTS = 45
const TOPIC = 'churn'
const SEED = Number(process.env.CHURN_SEED ?? 20_261_125)
const CATCH_UP = process.env.CHURN_CATCH_UP !== '0'
const CATCH_UP_TIMEOUT_MS = 20_000

interface Member {
  index: number
  wallet: string
  secretKey: string
  host: string
  ports: { quic: number; tcp: number }
  proc: MemberProcess | undefined
}

interface Sent {
  id: string
  at: number
  publisher: number
  expected: number[]
}

const spawned = new Set<MemberProcess>()

afterEach(async () => {
  await Promise.allSettled([...spawned].map((p) => p.kill()))
  spawned.clear()
})

describe('churn', () => {
  it(`${SIZE} node processes stop and restart at random; every node returns to ready`, {
    timeout: SIZE > 10 ? 240_000 : 120_000,
  }, async () => {
    const t0 = performance.now()
    const phaseMs: Record<string, number> = {}
    const mark = (name: string): void => {
      phaseMs[name] = Math.round(performance.now() - t0)
      if (process.env.CHURN_TRACE) console.log(`[churn] ${name} at ${phaseMs[name]} ms`)
    }
    const random = createRandom(SEED)
    const members: Member[] = Array.from({ length: SIZE }, (_, index) => {
      const generated = generateWallet()
      return {
        index,
        wallet: generated.wallet,
        secretKey: generated.secretKeyBase58,
        host: hostOf(index),
        ports: { quic: 0, tcp: 0 },
        proc: undefined,
      }
    })
    const wallets = members.map((m) => m.wallet)
    // A registry lists the seeds whether they run or not, at their (stable) ports.
    const registry = {
      getAuthorizedWallets: async () => wallets,
      getBootstrapNodes: async (): Promise<BootstrapNode[]> =>
        members
          .slice(0, SEEDS)
          .filter((m) => m.ports.tcp !== 0)
          .map((m) => ({ publicKey: m.wallet, ip: m.host, quicPort: m.ports.quic, tcpPort: m.ports.tcp })),
    }
    const received = members.map(() => new Set<string>())
    // Live deliveries alone (the ratio without catch-up), ids of the current process, and counts.
    const receivedLive = members.map(() => new Set<string>())
    const lifetime = members.map(() => new Set<string>())
    // What each member's application stored: its last reported `resumeFrom()`, or when it began.
    const resumeFrom = members.map((): number | undefined => undefined)
    let replayedEvents = 0
    let duplicatesInProcess = 0
    let redeliveredAfterRestart = 0
    const stoppedAt = members.map((): number[] => [])
    const timeToReadyMs: number[] = []
    let kills = 0
    let graceful = 0

    // Starts a member; with `measure`, waits until it is ready and records the time since its fork.
    const bringUp = async (m: Member, measure: boolean): Promise<void> => {
      const started = Date.now()
      const restarted = (stoppedAt[m.index] ?? []).length > 0
      const since = resumeFrom[m.index]
      resumeFrom[m.index] ??= started
      const ids = new Set<string>()
      lifetime[m.index] = ids
      const proc = await spawnMember({
        secretKey: m.secretKey,
        databaseName: 'churn',
        topic: TOPIC,
        host: m.host,
        ports: m.ports,
        registry,
        catchUp: CATCH_UP,
        ...(restarted && since !== undefined ? { catchUpSinceMs: since } : {}),
        onEvent: (message, replayed) => {
          const id = (message as { id?: unknown } | null)?.id
          if (typeof id !== 'string') return
          if (ids.has(id)) duplicatesInProcess++
          else if (received[m.index]?.has(id)) redeliveredAfterRestart++
          ids.add(id)
          received[m.index]?.add(id)
          if (replayed) replayedEvents++
          else receivedLive[m.index]?.add(id)
        },
      })
      spawned.add(proc)
      m.proc = proc
      // Seeds come back on the same ports, as a registry entry would name them.
      if (m.index < SEEDS && proc.quicPort !== undefined && proc.tcpPort !== undefined)
        m.ports = { quic: proc.quicPort, tcp: proc.tcpPort }
      if (!measure) return
      await waitFor(() => proc.ready || !proc.running, {
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 10,
        message: `member ${m.index} ready`,
      })
      if (proc.ready) timeToReadyMs.push(Date.now() - started)
    }
    const bringDown = async (m: Member): Promise<void> => {
      const proc = m.proc
      m.proc = undefined
      stoppedAt[m.index]?.push(Date.now())
      if (proc === undefined) return
      if (random() < 0.5) {
        kills++
        await proc.kill()
      } else {
        graceful++
        await proc.stop()
      }
      spawned.delete(proc)
      resumeFrom[m.index] = proc.resumeFrom ?? resumeFrom[m.index]
    }

    // Seeds one after another, then the others in small batches (process start-up is CPU-bound).
    for (const m of members.slice(0, SEEDS)) await bringUp(m, false)
    mark('seedsUp')
    for (let i = SEEDS; i < SIZE; i += START_BATCH) {
      await Promise.all(members.slice(i, i + START_BATCH).map((m) => bringUp(m, false)))
    }
    mark('allListening')
    await waitFor(() => members.every((m) => m.proc?.ready === true), {
      timeoutMs: READY_TIMEOUT_MS,
      message: 'every node ready after start',
    })
    mark('allReady')

    const sent: Sent[] = []
    const tasks: Promise<void>[] = []
    const publishes: Promise<void>[] = []
    const down = new Set<number>()
    let restarts = 0
    let nextId = 0
    const churnStart = Date.now()
    const churnEnd = churnStart + CHURN_MS
    let nextStop = Date.now() + STOP_EVERY_MS
    while (Date.now() < churnEnd) {
      const now = Date.now()
      const eligible = members.filter(
        (m) =>
          m.proc?.ready === true && (m.proc.readySince ?? Number.POSITIVE_INFINITY) <= now - READY_GRACE_MS,
      )
      const publisher = eligible[Math.floor(random() * eligible.length)]
      if (publisher?.proc !== undefined) {
        const id = `c${nextId++}`
        const expected = eligible.filter((m) => m !== publisher).map((m) => m.index)
        publishes.push(
          publisher.proc.publish({ id }).then(
            () => void sent.push({ id, at: now, publisher: publisher.index, expected }),
            () => undefined,
          ),
        )
      }
      if (now >= nextStop && down.size < MAX_DOWN) {
        nextStop = now + STOP_EVERY_MS
        const candidates = members.filter((m) => m.proc !== undefined && !down.has(m.index))
        const victim = candidates[Math.floor(random() * candidates.length)]
        if (victim !== undefined) {
          down.add(victim.index)
          const downtimeMs = 500 + Math.floor(random() * 1_000)
          tasks.push(
            (async () => {
              await bringDown(victim)
              await new Promise((resolve) => setTimeout(resolve, downtimeMs))
              restarts++
              await bringUp(victim, true)
              down.delete(victim.index)
            })(),
          )
        }
      }
      await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS))
    }
    await Promise.all(tasks)
    await Promise.all(publishes)
    mark('churnDone')

    // Every node returns to ready.
    await waitFor(() => members.every((m) => m.proc?.ready === true), {
      timeoutMs: READY_TIMEOUT_MS,
      message: 'every node ready after churn',
    })
    mark('allReadyAfterChurn')

    // Delivery ratio during churn, to recipients that stayed up for the delivery window.
    const counted = sent.map((s) => ({
      ...s,
      expected: s.expected.filter(
        (i) => !(stoppedAt[i] ?? []).some((t) => t >= s.at && t <= s.at + DELIVERY_WINDOW_MS),
      ),
    }))
    const expectedTotal = counted.reduce((n, s) => n + s.expected.length, 0)
    const deliveredNow = (): number =>
      counted.reduce((n, s) => n + s.expected.filter((i) => receivedLive[i]?.has(s.id)).length, 0)
    await waitFor(() => deliveredNow() === expectedTotal, { timeoutMs: 3_000 }).catch(() => undefined)
    const delivered = deliveredNow()

    // With catch-up: every event that left its publisher, at every other member, whether it was up
    // when the event was sent. An event no other member ever got died with its publisher's process
    // (stopped right after publishing): no history holds it.
    const everyone = members.map((m) => m.index)
    const leftPublisher = (s: Sent): boolean =>
      everyone.some((i) => i !== s.publisher && received[i]?.has(s.id))
    const missingNow = (): number =>
      sent.reduce(
        (n, s) => n + everyone.filter((i) => i !== s.publisher && !received[i]?.has(s.id)).length,
        0,
      ) -
      sent.filter((s) => !leftPublisher(s)).length * (SIZE - 1)
    const expectedEverywhere = () => sent.filter(leftPublisher).length * (SIZE - 1)
    if (CATCH_UP) {
      await waitFor(() => missingNow() === 0, { timeoutMs: CATCH_UP_TIMEOUT_MS }).catch(() => undefined)
    }
    const missingAfterCatchUp = missingNow()
    const diedWithPublisher = sent.filter((s) => !leftPublisher(s)).length
    // Who still misses events, and when those were sent relative to its stops and restarts.
    const missingBy = everyone
      .map((i) => {
        const missed = sent.filter((s) => s.publisher !== i && leftPublisher(s) && !received[i]?.has(s.id))
        return {
          index: i,
          missed: missed.length,
          restarts: (stoppedAt[i] ?? []).length,
          stoppedAt: (stoppedAt[i] ?? []).map((t) => t - churnStart),
          missedAt: missed.slice(0, 8).map((s) => s.at - churnStart),
          publishers: [...new Set(missed.map((s) => s.publisher))],
          ...members[i]?.proc?.status,
        }
      })
      .filter((m) => m.missed > 0)
    mark('caughtUp')

    // The healed network delivers a fresh event to every other node: one final event a second until
    // one reaches all, at most FINAL_ATTEMPTS: meshes re-graft within a few heartbeats, and a link
    // GossipSub lost to a crash-restart is repaired after the dead connection times out (10 s) and
    // two link checks past the grace period (@depin/infrastructure `pubsubLinks`).
    const publisher = members[0]?.proc
    if (publisher === undefined) throw new Error('member 0 is not running')
    let finalAttempts = 0
    let finalReachedAll = false
    let finalMissing: number[] = []
    while (!finalReachedAll && finalAttempts < FINAL_ATTEMPTS) {
      const id = `final${finalAttempts++}`
      await publisher.publish({ id }).catch(() => undefined)
      finalReachedAll = await waitFor(() => received.slice(1).every((ids) => ids.has(id)), {
        timeoutMs: 1_000,
      }).then(
        () => true,
        () => false,
      )
      finalMissing = members
        .slice(1)
        .filter((m) => !received[m.index]?.has(id))
        .map((m) => m.index)
    }
    mark('finalDelivered')

    const report = {
      phaseMs,
      nodes: SIZE,
      processes: 'one per node',
      seed: SEED,
      churnMs: CHURN_MS,
      restarts,
      sigkill: kills,
      graceful,
      timeToReadyAfterRestartMs: summarize(timeToReadyMs),
      published: sent.length,
      expectedDeliveries: expectedTotal,
      delivered,
      deliveryRatio: expectedTotal === 0 ? 1 : Number((delivered / expectedTotal).toFixed(4)),
      catchUp: CATCH_UP,
      // Every event at every other member (live or replayed), whether it was up or not.
      diedWithPublisher,
      expectedEverywhere: expectedEverywhere(),
      deliveredEverywhere: expectedEverywhere() - missingAfterCatchUp,
      catchUpRatio:
        expectedEverywhere() === 0
          ? 1
          : Number(((expectedEverywhere() - missingAfterCatchUp) / expectedEverywhere()).toFixed(4)),
      replayedEvents,
      duplicatesInProcess,
      // Delivered by a restarted process after its previous one got them (the catch-up margin).
      redeliveredAfterRestart,
      missingBy,
      finalEventAttempts: finalAttempts,
      // Who missed the last final event, with what each knew (peers, topic subscribers) then.
      finalMissing: finalMissing.map((i) => ({
        index: i,
        restarts: (stoppedAt[i] ?? []).length,
        ...members[i]?.proc?.status,
      })),
      publisherStatus: publisher.status,
    }
    console.log(`[reliability] churn ${JSON.stringify(report)}`)

    expect(finalReachedAll, 'a final event reaches every other node').toBe(true)
    expect(restarts).toBeGreaterThanOrEqual(MAX_DOWN)
    expect(timeToReadyMs.length).toBe(restarts)
    expect(report.published).toBeGreaterThan(0)
    expect(duplicatesInProcess, 'no process gets an event twice').toBe(0)
    if (CATCH_UP) {
      expect(missingAfterCatchUp, 'with catch-up, every event reaches every other member').toBe(0)
      expect(replayedEvents).toBeGreaterThan(0)
    }
  })
})
