import type { GaterGroup, RegistryGater } from '@depin/gater'
import type { Logger } from '@depin/logger'
import type { CountsOf } from '@depin/metrics-schema'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { ResolvedNodeInit } from './config-resolve.js'
import type { DepinServices } from './libp2p-options.js'
import type { DatabaseMembership } from './node-api.js'
import { createRendezvous, type Rendezvous } from './rendezvous.js'
import { rendezvousNamespace } from './rendezvous-key.js'
import type { RENDEZVOUS_METRICS } from './rendezvous-metrics.js'

export interface MembershipsInit {
  libp2p: Libp2p<DepinServices>
  /** The host's gater group: each membership's gater is in it while the membership lasts. */
  gaters: GaterGroup
  rendezvous: ResolvedNodeInit['rendezvous']
  dialTimeoutMs: number
  logger: Logger
  counts: CountsOf<typeof RENDEZVOUS_METRICS>
  /** Connected peers, by PeerId string (see `DepinNode.peers`). */
  peers(): ReadonlyMap<string, PeerId>
}

interface DatabaseEntry {
  rendezvous: Rendezvous
  /**
   * The gaters of the database's memberships, each with its count of memberships (the database is
   * left when none remains); they tell the database's peers from other databases'.
   */
  gaters: Map<RegistryGater, number>
}

/** Counts one more reference to `key`. */
function retain<K>(refs: Map<K, number>, key: K): void {
  refs.set(key, (refs.get(key) ?? 0) + 1)
}

/** Counts one reference less to `key`; true when that was its last. */
function release<K>(refs: Map<K, number>, key: K): boolean {
  const left = (refs.get(key) ?? 1) - 1
  if (left > 0) {
    refs.set(key, left)
    return false
  }
  refs.delete(key)
  return true
}

/**
 * The databases joined on a node: each one's rendezvous (advertise and find
 * `p2p-database-discovery_<databaseName>`), and the gaters of its memberships in the host's group.
 * A gater or a database joined twice stays until both memberships leave.
 */
export class Memberships {
  private readonly init: MembershipsInit
  private readonly databases = new Map<string, DatabaseEntry>()
  private readonly gaterRefs = new Map<RegistryGater, number>()

  constructor(init: MembershipsInit) {
    this.init = init
  }

  /** Databases joined. */
  get size(): number {
    return this.databases.size
  }

  /** Adds `gater` to the host group and starts the database's rendezvous if it is new. */
  async join(databaseName: string, gater: RegistryGater): Promise<DatabaseMembership> {
    const { logger } = this.init
    retain(this.gaterRefs, gater)
    this.init.gaters.add(gater)
    let entry = this.databases.get(databaseName)
    if (entry === undefined) {
      const gaters = new Map<RegistryGater, number>()
      entry = { gaters, rendezvous: this.rendezvousOf(databaseName, gaters) }
      this.databases.set(databaseName, entry)
      retain(entry.gaters, gater)
      await entry.rendezvous.start()
    } else {
      retain(entry.gaters, gater)
    }
    logger.info('database joined the node', 'database', databaseName, 'databases', this.databases.size)

    let left = false
    return {
      leave: async () => {
        if (left) return
        left = true
        if (release(this.gaterRefs, gater)) this.init.gaters.delete(gater)
        const current = this.databases.get(databaseName)
        if (current === undefined) return
        release(current.gaters, gater)
        if (current.gaters.size === 0) {
          this.databases.delete(databaseName)
          await current.rendezvous.stop()
          logger.info('database left the node', 'database', databaseName)
        }
      },
    }
  }

  /** Looks for every database's peers now rather than at the next tick. */
  findNow(): void {
    for (const entry of this.databases.values()) entry.rendezvous.findNow()
  }

  /** Advertises every database again and looks for its peers (advertisements made while alone reached nobody). */
  advertiseAndFindNow(): void {
    for (const entry of this.databases.values()) {
      entry.rendezvous.advertiseNow()
      entry.rendezvous.findNow()
    }
  }

  /** Stops every database's rendezvous; the databases are forgotten. */
  async stopRendezvous(): Promise<void> {
    const databases = [...this.databases.values()]
    this.databases.clear()
    await Promise.allSettled(databases.map((entry) => entry.rendezvous.stop()))
  }

  /** Removes every membership's gater from the host group. */
  releaseGaters(): void {
    for (const gater of this.gaterRefs.keys()) this.init.gaters.delete(gater)
    this.gaterRefs.clear()
  }

  private rendezvousOf(databaseName: string, gaters: Map<RegistryGater, number>): Rendezvous {
    const { libp2p, rendezvous } = this.init
    return createRendezvous({
      libp2p,
      dhts: [libp2p.services.dht, ...(libp2p.services.lanDht ? [libp2p.services.lanDht] : [])],
      namespace: rendezvousNamespace(databaseName),
      findIntervalMs: rendezvous.findIntervalMs,
      maxFindIntervalMs: rendezvous.maxFindIntervalMs,
      advertiseIntervalMs: rendezvous.advertiseIntervalMs,
      dialTimeoutMs: this.init.dialTimeoutMs,
      enoughPeers: () => this.databasePeers(gaters) >= rendezvous.targetPeers,
      logger: this.init.logger,
      counters: this.init.counts,
    })
  }

  /**
   * Connected peers that one of the database's gaters admits (from their caches; no registry call),
   * counted up to the rendezvous target: peers of the process's other databases do not count.
   */
  private databasePeers(gaters: Map<RegistryGater, number>): number {
    const target = this.init.rendezvous.targetPeers
    let count = 0
    for (const peer of this.init.peers().values()) {
      for (const gater of gaters.keys()) {
        if (gater.isAuthorizedCached(peer)) {
          count++
          break
        }
      }
      if (count >= target) break
    }
    return count
  }
}
