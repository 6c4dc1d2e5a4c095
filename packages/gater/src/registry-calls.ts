import type { Logger } from '@depin/logger'
import { raceSignal } from 'race-signal'
import { RegistryCallError } from './errors.js'
import type { RegistryCallCause } from './gater-api.js'

/** What {@link RegistryCalls} runs and reports to. */
export interface RegistryCallsInit {
  /** Time allowed for one call, answer parsing and set replacement included. */
  timeoutMs: number
  /** Time between the end of one refresh and the start of the next. */
  intervalMs: number
  logger: Logger
  /** One call: ask the registry, parse, apply. Throws on failure; honours `signal`. */
  run(cause: RegistryCallCause, signal: AbortSignal): Promise<void>
  /** A call started (the gater counts them by cause). */
  onStart(cause: RegistryCallCause): void
  /** A call failed (not one aborted by `stop()`). */
  onFailure(cause: RegistryCallCause, error: RegistryCallError): void
}

class GaterStoppedError extends Error {
  override name = 'AbortError'
  constructor() {
    super('the gater was stopped')
  }
}

/**
 * The gater's registry calls: at most one in flight (refreshes and misses share it), each bounded by
 * `timeoutMs`, and the refresh loop that starts one every `intervalMs` after the last ended.
 */
export class RegistryCalls {
  private readonly init: RegistryCallsInit
  private current: Promise<RegistryCallError | undefined> | undefined
  private controller: AbortController | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  /** Bumped by start/stop so a refresh loop of an earlier run never reschedules itself. */
  private generation = 0
  private running = false

  constructor(init: RegistryCallsInit) {
    this.init = init
  }

  /** The call in flight, if any; resolves (never rejects) with its error, if it failed. */
  get inflight(): Promise<RegistryCallError | undefined> | undefined {
    return this.current
  }

  /** The call in flight, or a new one started for `cause`. */
  next(cause: RegistryCallCause): Promise<RegistryCallError | undefined> {
    return this.current ?? this.begin(cause)
  }

  /** Runs a first refresh, then the loop. Resolves after the first refresh (failed or not). */
  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    const generation = ++this.generation
    await this.next('refresh')
    if (this.running && generation === this.generation) this.schedule(generation)
  }

  /** Stops the loop and aborts the call in flight; resolves once it has ended. */
  async stop(): Promise<void> {
    this.running = false
    this.generation++
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.controller?.abort(new GaterStoppedError())
    await this.current
  }

  private schedule(generation: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.next('refresh').then(() => {
        if (this.running && generation === this.generation) this.schedule(generation)
      })
    }, this.init.intervalMs)
    // The refresh loop alone must not keep a process alive.
    if (typeof this.timer === 'object' && 'unref' in this.timer) this.timer.unref()
  }

  private begin(cause: RegistryCallCause): Promise<RegistryCallError | undefined> {
    this.init.onStart(cause)
    const controller = new AbortController()
    const { timeoutMs } = this.init
    const timer = setTimeout(() => {
      controller.abort(
        new RegistryCallError('timeout', `no answer within ${timeoutMs} ms (registryTimeoutMs)`),
      )
    }, timeoutMs)
    const call = this.settle(cause, controller.signal).finally(() => {
      clearTimeout(timer)
      if (this.current === call) {
        this.current = undefined
        this.controller = undefined
      }
    })
    this.current = call
    this.controller = controller
    return call
  }

  private async settle(
    cause: RegistryCallCause,
    signal: AbortSignal,
  ): Promise<RegistryCallError | undefined> {
    try {
      await this.init.run(cause, signal)
      return undefined
    } catch (err) {
      if (
        err instanceof GaterStoppedError ||
        (signal.aborted && signal.reason instanceof GaterStoppedError)
      ) {
        this.init.logger.debug('registry call aborted: gater stopped', 'cause', cause)
        return new RegistryCallError('threw', 'the gater was stopped', { cause: err })
      }
      const error =
        err instanceof RegistryCallError ? err : new RegistryCallError('threw', describe(err), { cause: err })
      this.init.onFailure(cause, error)
      return error
    }
  }
}

/** Calls `getAuthorizedWallets`, bounded by `signal`; a throw becomes a {@link RegistryCallError}. */
export async function askRegistry(
  getAuthorizedWallets: (options: { signal: AbortSignal }) => unknown,
  signal: AbortSignal,
): Promise<unknown> {
  try {
    const pending = Promise.resolve().then(() => getAuthorizedWallets({ signal }))
    return await raceSignal(pending, signal)
  } catch (err) {
    if (signal.aborted) throw signal.reason
    throw new RegistryCallError('threw', describe(err), { cause: err })
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message
  return `it rejected with ${typeof err}`
}
