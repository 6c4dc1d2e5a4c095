import { DepinError, type DepinErrorOptions } from '@depin/errors'

/** The `/metrics` and `/healthz` server could not listen (a port in use, an address not on this host). */
export class MetricsServerStartError extends DepinError<'METRICS_SERVER_START_FAILED'> {
  override name = 'MetricsServerStartError'
  /** `host:port` it tried to listen on. */
  readonly address: string
  constructor(address: string, options: DepinErrorOptions = {}) {
    const cause = options.cause as { code?: unknown; message?: unknown } | undefined
    const reason = typeof cause?.message === 'string' ? `: ${cause.message}` : ''
    const hint =
      cause?.code === 'EADDRINUSE' ? ' Set metricsServer.port to a free port (0 = any free port).' : ''
    super(
      'METRICS_SERVER_START_FAILED',
      `Could not start the metrics server on ${address}${reason}.${hint}`,
      options,
    )
    this.address = address
  }
}

declare module '@depin/errors' {
  interface DepinErrorsByCode {
    METRICS_SERVER_START_FAILED: MetricsServerStartError
  }
}
