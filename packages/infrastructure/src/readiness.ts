import type { Logger } from '@depin/logger'
import { type CountsOf, counter, seconds } from '@depin/metrics-schema'
import type { TypedEventTarget } from 'main-event'
import { timeoutSignal } from './abort.js'
import { NodeStoppedError, NotReadyError } from './errors.js'
import { type DepinNodeEvents, WAIT_UNTIL_READY_TIMEOUT_MS, type WaitUntilReadyOptions } from './node-api.js'

/** What readiness times and counts, part of the node's metrics. */
export const READINESS_METRICS = {
  /** Milliseconds from `createNode` to the first `ready`; undefined until then. */
  timeToFirstReadyMs: seconds(
    'node_time_to_first_ready_seconds',
    'Seconds from node start to the first ready.',
  ),
  /** Milliseconds from the last `not-ready` to the `ready` that followed it; undefined until a recovery. */
  lastRecoveryMs: seconds(
    'node_last_recovery_seconds',
    'Seconds from the last not-ready to the ready that followed.',
  ),
  /** Times the node went from ready to not ready. */
  notReadyTransitions: counter(
    'node_not_ready_transitions_total',
    'Times the node went from ready to not ready.',
  ),
}

/**
 * Whether the node is ready (at least one usable peer), and how long that took: from start to the
 * first ready, and from the last not-ready to the ready that followed.
 */
export class Readiness {
  ready = false
  timeToFirstReadyMs: number | undefined
  lastRecoveryMs: number | undefined
  private notReadySince: number | undefined
  private readonly startedAt: number
  private readonly counts: CountsOf<typeof READINESS_METRICS>
  private readonly logger: Logger

  constructor(startedAt: number, counts: CountsOf<typeof READINESS_METRICS>, logger: Logger) {
    this.startedAt = startedAt
    this.notReadySince = startedAt
    this.counts = counts
    this.logger = logger
  }

  /** Follows the count of usable peers; returns the transition it made (logged here), if any. */
  update(peers: number): 'ready' | 'not-ready' | undefined {
    if (!this.ready && peers > 0) {
      this.ready = true
      const now = Date.now()
      const since = this.notReadySince ?? now
      this.notReadySince = undefined
      if (this.timeToFirstReadyMs === undefined) this.timeToFirstReadyMs = now - this.startedAt
      else this.lastRecoveryMs = now - since
      this.logger.info('node became ready', 'peer_count', peers, 'notReadyMs', now - since)
      return 'ready'
    }
    if (this.ready && peers === 0) {
      this.ready = false
      this.notReadySince = Date.now()
      this.counts.notReadyTransitions++
      this.logger.info('node no longer ready', 'peer_count', peers)
      return 'not-ready'
    }
    return undefined
  }
}

/**
 * Resolves on the node's next `ready` event. Rejects with {@link NotReadyError} after `timeoutMs`,
 * with the signal's reason on abort, and with {@link NodeStoppedError} when `shutdown` aborts.
 */
export async function waitForReady(
  node: TypedEventTarget<DepinNodeEvents>,
  shutdown: AbortSignal,
  options: WaitUntilReadyOptions,
): Promise<void> {
  options.signal?.throwIfAborted()
  const timeoutMs = options.timeoutMs ?? WAIT_UNTIL_READY_TIMEOUT_MS
  const wait = timeoutSignal(
    AbortSignal.any([shutdown, ...(options.signal ? [options.signal] : [])]),
    timeoutMs,
    () => new NotReadyError(`no peer connected within ${timeoutMs} ms`),
  )
  try {
    await new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        wait.signal.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = (): void => {
        node.removeEventListener('ready', onReady)
        reject(
          shutdown.aborted && !options.signal?.aborted
            ? new NodeStoppedError('wait until ready')
            : wait.signal.reason,
        )
      }
      node.addEventListener('ready', onReady, { once: true })
      wait.signal.addEventListener('abort', onAbort, { once: true })
    })
  } finally {
    wait.clear()
  }
}
