import { isLevelEnabled, type Logger } from '@depin/logger'
import type { Connection } from '@libp2p/interface'
import { isRelayed } from './address-order.js'
import { isQuic } from './bootstrap.js'

/** How a connection reaches its peer: `relay`, `quic` or `tcp`. */
export function transportOf(connection: Connection): string {
  if (connection.limits !== undefined || isRelayed(connection.remoteAddr)) return 'relay'
  return isQuic(connection.remoteAddr) ? 'quic' : 'tcp'
}

/**
 * The node's `connection:open` listener: logs the first connection of each transport (info, with
 * the time since start) and, at debug level only, why each connection ended (operators ask "why
 * did that peer drop?").
 */
export function createConnectionLog(
  logger: Logger,
  startedAt: number,
): (event: CustomEvent<Connection>) => void {
  const firstLogged = new Set<string>()
  return (event) => {
    const connection = event.detail
    const transport = transportOf(connection)
    if (isLevelEnabled(logger, 'debug')) logClose(logger, connection, transport)
    if (firstLogged.has(transport)) return
    firstLogged.add(transport)
    logger.info(
      'first peer connected',
      'transport',
      transport,
      'direction',
      connection.direction,
      'peer',
      connection.remotePeer.toString(),
      'msSinceStart',
      Date.now() - startedAt,
    )
  }
}

function logClose(logger: Logger, connection: Connection, transport: string): void {
  connection.addEventListener(
    'close',
    (event) => {
      logger.debug(
        'connection closed',
        'peer',
        connection.remotePeer.toString(),
        'transport',
        transport,
        'direction',
        connection.direction,
        'openMs',
        Date.now() - connection.timeline.open,
        'by',
        event.error === undefined ? 'close' : event.local === true ? 'local abort' : 'remote reset',
        'error',
        event.error,
      )
    },
    { once: true },
  )
}
