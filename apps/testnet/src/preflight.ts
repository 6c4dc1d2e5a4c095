// Before a large testnet starts: does the machine have what N nodes need? Refuses with what to
// change instead of failing halfway (a process out of file descriptors, the machine out of memory).

import { readFileSync } from 'node:fs'
import { nodeVersionProblem } from '@depin/test-utils/node-version'
import type { TestnetOptions } from './options.js'
import type { Placement } from './placement.js'

/** The machine as the preflight sees it (read from /proc; tests pass their own). */
export interface MachineFacts {
  /** Soft limit of open files per process (`ulimit -n`). */
  openFilesLimit: number | undefined
  /** MemAvailable, in MB. */
  availableMemoryMb: number | undefined
  /** net.core.rmem_max, in bytes. */
  udpReceiveBufferMax: number | undefined
  /** The Node.js running the testnet (`process.version`), which also runs every node. */
  nodeVersion?: string
}

/** Measured on this machine (bench/results): resident memory per node, by placement. */
const MB_PER_PROCESS_NODE = 110
/** 17.1 MB per node at 500 hosted nodes, 21.3 at 250 (scale-50-500-idle-connections-2026-12-06). */
const MB_PER_HOSTED_NODE = 20
const MB_PER_HOST_PROCESS = 80
/** What QUIC asks of the kernel for its socket buffers (below it, bursts are dropped). */
const QUIC_WANTS_UDP_BUFFER = 2 * 1024 * 1024

export class PreflightError extends Error {
  override name = 'PreflightError'
}

export function readMachineFacts(): MachineFacts {
  const read = (path: string): string | undefined => {
    try {
      return readFileSync(path, 'utf8')
    } catch {
      return undefined
    }
  }
  const limits = read('/proc/self/limits')
  const openFiles = limits === undefined ? undefined : /Max open files\s+(\d+)/.exec(limits)?.[1]
  const meminfo = read('/proc/meminfo')
  const available = meminfo === undefined ? undefined : /MemAvailable:\s+(\d+) kB/.exec(meminfo)?.[1]
  const rmem = read('/proc/sys/net/core/rmem_max')
  return {
    openFilesLimit: openFiles === undefined ? undefined : Number(openFiles),
    availableMemoryMb: available === undefined ? undefined : Math.floor(Number(available) / 1024),
    udpReceiveBufferMax: rmem === undefined ? undefined : Number(rmem.trim()),
    nodeVersion: process.version,
  }
}

/**
 * What N nodes need (file descriptors per process, memory) against what the machine has. Throws
 * {@link PreflightError} saying what to change; returns notes on what is short but survivable.
 */
export function preflight(options: TestnetOptions, placement: Placement, machine: MachineFacts): string[] {
  const notes: string[] = []
  // Unknown (a test's facts): not refused, like the other facts.
  const tooOld =
    machine.nodeVersion === undefined
      ? undefined
      : nodeVersionProblem(
          machine.nodeVersion,
          'the testnet',
          'start it with `npx -y pnpm@12.21.0 testnet`, which runs it on the Node.js the project installs (24)',
        )
  if (tooOld !== undefined) throw new PreflightError(tooOld)
  const total = options.nodes + options.intruders
  const hosted = placement.kind === 'hosted'
  const perProcess = hosted ? Math.ceil(total / placement.hosts) : 1
  // A node's sockets: its UDP socket (every QUIC connection shares it), its TCP listener and its
  // TCP connections, its metrics server; the band's high mark bounds its TCP connections.
  const high = options.degree?.high ?? 64
  const fdsPerNode = 24 + (options.transport === 'quic' ? 0 : options.transport === 'tcp' ? 2 * high : 16)
  const fdsNeeded = 64 + perProcess * fdsPerNode
  if (machine.openFilesLimit !== undefined && fdsNeeded > machine.openFilesLimit) {
    const fewer = Math.max(1, Math.floor((machine.openFilesLimit - 64) / fdsPerNode))
    throw new PreflightError(
      `${perProcess} nodes per process need about ${fdsNeeded} open files, but the limit is ${machine.openFilesLimit}: ` +
        `raise it (ulimit -n ${fdsNeeded}) or run at most ${fewer} nodes per process (--nodes-per-process ${fewer})`,
    )
  }
  const memoryMb = hosted
    ? total * MB_PER_HOSTED_NODE + placement.hosts * MB_PER_HOST_PROCESS
    : total * MB_PER_PROCESS_NODE
  if (machine.availableMemoryMb !== undefined && memoryMb > 0.9 * machine.availableMemoryMb) {
    throw new PreflightError(
      `${total} nodes need about ${memoryMb} MB of memory (${hosted ? `${MB_PER_HOSTED_NODE} MB per node in a shared process` : `${MB_PER_PROCESS_NODE} MB per node process`}), ` +
        `but ${machine.availableMemoryMb} MB are available: use fewer nodes${hosted ? '' : ', or several nodes per process (--nodes-per-process 0 chooses)'}`,
    )
  }
  if (
    options.transport !== 'tcp' &&
    machine.udpReceiveBufferMax !== undefined &&
    machine.udpReceiveBufferMax < QUIC_WANTS_UDP_BUFFER &&
    total > 100
  ) {
    notes.push(
      `net.core.rmem_max is ${machine.udpReceiveBufferMax} bytes: QUIC bursts to ${total} nodes may be dropped ` +
        `(sysctl -w net.core.rmem_max=${QUIC_WANTS_UDP_BUFFER} net.core.wmem_max=${QUIC_WANTS_UDP_BUFFER} raises it)`,
    )
  }
  notes.push(
    `preflight: ${total} nodes, ${perProcess} per process, ~${fdsNeeded} open files per process (limit ${machine.openFilesLimit ?? 'unknown'}), ~${memoryMb} MB (${machine.availableMemoryMb ?? 'unknown'} MB available)`,
  )
  return notes
}
