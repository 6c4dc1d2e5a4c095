import { generateWallet } from '@depin/identity'
import type { BootstrapNode } from '@depin/pubsub'
import { waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { hostOf } from '../src/network.js'
import { type MemberProcess, spawnMember } from './churn-process.js'

// A peer that crashes (SIGKILL: no QUIC CONNECTION_CLOSE, no TCP FIN) and comes back with the same
// wallet before the survivor has noticed the dead connection. The survivor then holds two
// connections to one PeerId: the dead one and the new one. QUIC's idle timeout (30 s) would close
// the dead one; the survivor's connection monitor pings it once the peer connects anew and closes it
// when it does not answer (counted in `deadConnectionsClosed`). Before that fix, GossipSub
// (@libp2p/gossipsub 17) keeps its outbound stream on the dead connection, skips creating one on the
// new connection, and when the dead one finally closes either drops the stream or, on the read
// error, forgets the peer altogether: connected, yet never sent another event (README "Findings").
const spawned = new Set<MemberProcess>()
afterEach(async () => {
  await Promise.allSettled([...spawned].map((p) => p.kill()))
  spawned.clear()
})

describe('crash and restart with the same wallet', () => {
  it('the survivor delivers to the restarted peer again', { timeout: 120_000 }, async () => {
    const [a, b] = [generateWallet(), generateWallet()]
    const ports = { quic: 0, tcp: 0 }
    let seed: BootstrapNode | undefined
    const received: string[] = []
    const registry = {
      getAuthorizedWallets: async () => [a.wallet, b.wallet],
      getBootstrapNodes: async () => (seed === undefined ? [] : [seed]),
    }
    const start = async (
      w: typeof a,
      index: number,
      onEvent: (message: unknown) => void,
      at = ports,
    ): Promise<MemberProcess> => {
      const proc = await spawnMember({
        secretKey: w.secretKeyBase58,
        databaseName: 'restart',
        topic: 'restart',
        host: hostOf(index),
        ports: at,
        registry,
        onEvent,
      })
      spawned.add(proc)
      return proc
    }
    const survivor = await start(a, 40, () => {})
    seed = { publicKey: a.wallet, ip: hostOf(40), quicPort: survivor.quicPort, tcpPort: survivor.tcpPort }
    const onEvent = (message: unknown): void => {
      const id = (message as { id?: unknown } | null)?.id
      if (typeof id === 'string') received.push(id)
    }
    let peer = await start(b, 41, onEvent)
    const peerPorts = { quic: peer.quicPort ?? 0, tcp: peer.tcpPort ?? 0 }

    // Publishes until one event arrives at the peer (the mesh takes a heartbeat or two).
    const deliversWithin = async (timeoutMs: number, tag: string): Promise<boolean> => {
      let n = 0
      return waitFor(
        async () => {
          await survivor.publish({ id: `${tag}${n++}` }).catch(() => undefined)
          return received.some((id) => id.startsWith(tag))
        },
        { timeoutMs, intervalMs: 500 },
      ).then(
        () => true,
        () => false,
      )
    }
    expect(await deliversWithin(15_000, 'before')).toBe(true)

    await peer.kill()
    spawned.delete(peer)
    peer = await start(b, 41, onEvent, peerPorts)
    await waitFor(() => peer.ready, { timeoutMs: 20_000, message: 'restarted peer ready' })
    // The survivor held the dead connection next to the new one; once its connection monitor closes
    // it (a ping on it goes unanswered while the new one is open), deliveries must flow on the new one.
    // (Soft: on a fast machine the two may overlap for less than a status report.)
    await waitFor(() => (survivor.status?.connections ?? 0) >= 2, {
      timeoutMs: 20_000,
      message: 'the survivor holds the dead and the new connection',
    }).catch(() => undefined)
    await waitFor(() => survivor.status?.connections === 1 && survivor.status.peers === 1, {
      timeoutMs: 30_000,
      message: "the survivor's dead connection closed",
    })
    const deadClosedAt = Date.now()
    // Closed by the survivor's probe of superseded connections, not by QUIC's idle timeout (uncounted).
    expect(survivor.status?.deadConnectionsClosed ?? 0).toBeGreaterThanOrEqual(1)
    const after = await deliversWithin(45_000, 'after')
    const report = {
      deliveredAfterRestart: after,
      msFromDeadConnectionClosedToDelivery: after ? Date.now() - deadClosedAt : undefined,
      survivor: survivor.status,
    }
    console.log(`[reliability] restart ${JSON.stringify(report)}`)
    expect(after, 'an event from the survivor reaches the restarted peer').toBe(true)
    // The status arrives once a second: wait for the report that follows the delivery.
    await waitFor(() => survivor.status?.topicPeers === 1, {
      timeoutMs: 5_000,
      message: 'the survivor knows the restarted peer subscribes',
    })
  })
})
