import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { MetricsServerStartError } from './errors.js'

/** Options of {@link startMetricsServer}. */
export interface MetricsServerInit {
  /** Port to listen on; 0 picks a free one (read it from `server.port`). */
  port: number
  /** Address to listen on; use '0.0.0.0' to let a Prometheus on another host scrape. @default '127.0.0.1' */
  host?: string
  /** The prom-client registry served at `/metrics`. */
  registry: Registry
  /** Decides `/healthz`: 200 when it returns true, 503 when false (or when it throws). */
  isReady: () => boolean
}

/** A running metrics and health HTTP server. */
export interface MetricsServer {
  /** The port it listens on (useful with `port: 0`). */
  readonly port: number
  readonly host: string
  /** `http://host:port`. */
  readonly url: string
  /** Stops listening and closes open connections. Idempotent. */
  close(): Promise<void>
}

/**
 * Starts an HTTP server answering `GET /metrics` (Prometheus text format from `registry`) and
 * `GET /healthz` (`200 {"ready":true}` when `isReady()`, else `503 {"ready":false}`).
 * Resolves once listening; rejects with {@link MetricsServerStartError} if it cannot (a port in use).
 *
 * @example
 * const server = await startMetricsServer({ port: 9464, registry: collector.registry, isReady: () => db.isReady() })
 * console.log(`metrics at ${server.url}/metrics`)
 * await server.close()
 */
export async function startMetricsServer(init: MetricsServerInit): Promise<MetricsServer> {
  const host = init.host ?? '127.0.0.1'
  // Imported here, not at the top: an ESM import of node:http reads all its exports, which loads
  // undici (~25 ms of a node's start-up), and a bundled app would pay it whether or not it serves metrics.
  const { createServer } = await import('node:http')
  const server = createServer((request, response) => {
    handle(init, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' })
      response.end('metrics unavailable\n')
    })
  })
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error): void =>
      reject(
        new MetricsServerStartError(`${host.includes(':') ? `[${host}]` : host}:${init.port}`, {
          cause: err,
        }),
      )
    server.once('error', fail)
    server.listen(init.port, host, () => {
      server.off('error', fail)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined
  return {
    port,
    host,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },
  }
}

async function handle(
  init: MetricsServerInit,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0]
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n')
    return
  }
  if (path === '/metrics') {
    const body = await init.registry.metrics()
    response.writeHead(200, { 'content-type': init.registry.contentType })
    response.end(request.method === 'HEAD' ? undefined : body)
    return
  }
  if (path === '/healthz') {
    let ready = false
    try {
      ready = init.isReady()
    } catch {
      ready = false
    }
    response.writeHead(ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    response.end(request.method === 'HEAD' ? undefined : `${JSON.stringify({ ready })}\n`)
    return
  }
  response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n')
}
