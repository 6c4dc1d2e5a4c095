// What one node counts per phase: events it sent, distinct events it received (by sender and topic,
// deduplicated by sequence number) and their delivery latencies; reported to the parent as changes.

import type { PhaseCounts, TestnetPayload } from './protocol.js'

/** The part of a stats report that {@link PhaseTally.takeReport} fills. */
export interface TallyReport {
  /** Counts of the phases that changed since the last report (the parent keeps the others). */
  phases: Record<number, PhaseCounts>
  /** Latencies (ms, send to handler) of the events received since the last report, by phase. */
  latencies: Record<number, number[]>
}

/** One node's counts, by phase id. */
export class PhaseTally {
  private readonly phases = new Map<number, PhaseCounts>()
  private readonly seen = new Map<string, Set<number>>() // `${phase}|${sender}|${topic}` -> seqs
  private latencies: Record<number, number[]> = {}
  private readonly changedPhases = new Set<number>()

  /** Counts of `phase`, marked to be reported (every caller changes them). */
  counts(phase: number): PhaseCounts {
    this.changedPhases.add(phase)
    let c = this.phases.get(phase)
    if (c === undefined) {
      c = { sent: {}, received: {}, duplicates: 0, publishErrors: 0 }
      this.phases.set(phase, c)
    }
    return c
  }

  /** Counts an event received on `topic`; anything that is not a testnet payload is ignored. */
  received(topic: string, fromPeerId: string, message: unknown): void {
    const payload = message as Partial<TestnetPayload> | null
    if (
      payload === null ||
      typeof payload !== 'object' ||
      typeof payload.s !== 'number' ||
      typeof payload.p !== 'number'
    )
      return
    const key = `${payload.p}|${fromPeerId}|${topic}`
    let seqs = this.seen.get(key)
    if (seqs === undefined) {
      seqs = new Set()
      this.seen.set(key, seqs)
    }
    const c = this.counts(payload.p)
    if (seqs.has(payload.s)) {
      c.duplicates++
      return
    }
    seqs.add(payload.s)
    const bySender = c.received[fromPeerId] ?? {}
    c.received[fromPeerId] = bySender
    bySender[topic] = (bySender[topic] ?? 0) + 1
    if (typeof payload.t === 'number') {
      const list = this.latencies[payload.p] ?? []
      this.latencies[payload.p] = list
      list.push(Math.max(0, Date.now() - payload.t))
    }
  }

  /**
   * The changes since the last call, then forgets them: only the phases whose counts changed (at a
   * thousand nodes resending every phase's per-sender counts is megabytes a second) and the new latencies.
   */
  takeReport(): TallyReport {
    const phases: Record<number, PhaseCounts> = {}
    for (const id of this.changedPhases) {
      const c = this.phases.get(id)
      if (c !== undefined) phases[id] = c
    }
    this.changedPhases.clear()
    const latencies = this.latencies
    this.latencies = {}
    return { phases, latencies }
  }
}
