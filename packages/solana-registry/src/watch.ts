import { ConfigIssues } from '@depin/errors'
import type { CountsOf } from '@depin/metrics-schema'
import { type Address, createSolanaRpcSubscriptions } from '@solana/kit'
import { checkOptionalInteger, checkUrl } from './config-checks.js'
import { InvalidSolanaRegistryConfigError } from './errors.js'
import type { REGISTRY_SOURCE_METRICS, SubscriptionState } from './metrics.js'
import type { ProgramAccountsFilter, RegistryRpc } from './rpc.js'

/** Options of `RegistrySource.watch()`. */
export interface WatchOptions {
  /** The RPC WebSocket endpoint (`ws:` or `wss:`). */
  wsEndpoint: string
  /** Called (debounced) when the registry may have changed. */
  onChange: () => void
  /** How often to poll while the subscription is down. @default 5000 */
  pollIntervalMs?: number
  /** Stops the watch when it aborts. */
  signal?: AbortSignal
}

/** Defaults of {@link WatchOptions} and of the watch's timing. */
export const WATCH_DEFAULTS = Object.freeze({
  pollIntervalMs: 5_000,
  /** A burst of notifications (one transaction touching several accounts) makes one `onChange`. */
  debounceMs: 250,
  resubscribeInitialDelayMs: 500,
  resubscribeMaxDelayMs: 30_000,
})

/** What a registry source gives its watch. */
export interface WatchContext {
  rpc: RegistryRpc
  programId: string
  filters: readonly ProgramAccountsFilter[]
  /** A fresh read's fingerprint (rejects when every endpoint fails). */
  poll(signal: AbortSignal): Promise<string>
  /** The last good answer's fingerprint, if any. */
  baseline(): string | undefined
  setState(state: SubscriptionState): void
  counts: CountsOf<typeof REGISTRY_SOURCE_METRICS>
}

function kitFilters(filters: readonly ProgramAccountsFilter[]) {
  return filters.map((filter) =>
    'memcmp' in filter
      ? {
          memcmp: {
            offset: BigInt(filter.memcmp.offset),
            bytes: filter.memcmp.bytes as never,
            encoding: 'base58' as const,
          },
        }
      : { dataSize: BigInt(filter.dataSize) },
  )
}

/** Starts a watch; see `RegistrySource.watch()`. */
export function startWatch(options: WatchOptions, context: WatchContext): () => void {
  const issues = new ConfigIssues()
  checkUrl(issues, 'wsEndpoint', options?.wsEndpoint, ['ws:', 'wss:'])
  if (typeof options?.onChange !== 'function') issues.add('onChange', 'must be a function')
  checkOptionalInteger(issues, 'pollIntervalMs', options?.pollIntervalMs, 10, 3_600_000)
  issues.throwIfAny((list) => new InvalidSolanaRegistryConfigError(list))

  const { rpc, counts } = context
  const logger = rpc.logger
  const pollIntervalMs = options.pollIntervalMs ?? WATCH_DEFAULTS.pollIntervalMs
  const controller = new AbortController()
  const stopSignal = controller.signal
  let debounce: ReturnType<typeof setTimeout> | undefined
  let fingerprint: string | undefined
  let dropped = false

  const stop = () => {
    if (stopSignal.aborted) return
    controller.abort()
    clearTimeout(debounce)
    options.signal?.removeEventListener('abort', stop)
    context.setState('off')
  }
  options.signal?.addEventListener('abort', stop, { once: true })

  const change = (source: 'notification' | 'poll' | 'resubscribed') => {
    if (stopSignal.aborted) return
    counts.changes[source]++
    try {
      options.onChange()
    } catch (err) {
      logger.warn('solana registry onChange threw', 'error', err)
    }
  }

  const notified = () => {
    counts.notifications++
    if (debounce !== undefined) return
    debounce = setTimeout(() => {
      debounce = undefined
      change('notification')
    }, WATCH_DEFAULTS.debounceMs)
  }

  /** Resolves after `ms`, or early when the watch stops. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        stopSignal.removeEventListener('abort', done)
        resolve()
      }
      stopSignal.addEventListener('abort', done, { once: true })
    })

  const subscriptions = createSolanaRpcSubscriptions(options.wsEndpoint)

  /** Subscribes and reads notifications until the subscription drops (returns) or the watch stops. */
  async function subscribeOnce(): Promise<boolean> {
    context.setState('connecting')
    const attempt = new AbortController()
    const onStop = () => attempt.abort()
    stopSignal.addEventListener('abort', onStop, { once: true })
    let subscribed = false
    try {
      const notifications = await subscriptions
        .programNotifications(context.programId as Address, {
          commitment: rpc.commitment,
          encoding: 'base64',
          filters: kitFilters(context.filters),
        })
        .subscribe({ abortSignal: attempt.signal })
      subscribed = true
      context.setState('subscribed')
      // Changes made while the subscription was down and after the last poll would be missed otherwise.
      if (dropped) change('resubscribed')
      dropped = false
      logger.info('solana registry subscribed', 'program', context.programId)
      for await (const _ of notifications) notified()
    } catch (err) {
      if (!stopSignal.aborted)
        logger.warn('solana registry subscription dropped', 'error', (err as Error)?.message ?? String(err))
    } finally {
      stopSignal.removeEventListener('abort', onStop)
      attempt.abort()
    }
    return subscribed
  }

  /** Polls once, calling onChange when the answer differs from the last one seen. */
  async function pollOnce(): Promise<void> {
    try {
      const next = await context.poll(stopSignal)
      const previous = fingerprint ?? context.baseline()
      fingerprint = next
      if (previous !== next) change('poll')
    } catch (err) {
      if (!stopSignal.aborted)
        logger.debug('solana registry poll failed', 'error', (err as Error)?.message ?? String(err))
    }
  }

  async function run(): Promise<void> {
    let delay: number = WATCH_DEFAULTS.resubscribeInitialDelayMs
    let nextPollAt = 0
    let first = true
    while (!stopSignal.aborted) {
      const subscribed = await subscribeOnce()
      if (stopSignal.aborted) return
      if (subscribed) {
        counts.subscriptionDrops++
        delay = WATCH_DEFAULTS.resubscribeInitialDelayMs
        nextPollAt = 0 // poll at once after a drop: the change may be what we missed
      }
      context.setState('polling')
      dropped = true
      if (first || subscribed) fingerprint = context.baseline()
      first = false
      // Poll every pollIntervalMs (not at every resubscribe attempt) until the backoff delay has passed.
      const resubscribeAt = Date.now() + delay
      while (!stopSignal.aborted) {
        if (Date.now() >= nextPollAt) {
          await pollOnce()
          nextPollAt = Date.now() + pollIntervalMs
        }
        if (Date.now() >= resubscribeAt) break
        await pause(Math.max(0, Math.min(nextPollAt, resubscribeAt) - Date.now()))
      }
      delay = Math.min(delay * 2, WATCH_DEFAULTS.resubscribeMaxDelayMs)
    }
  }

  void run()
  return stop
}
