import type { RegistryGater } from '@depin/gater'
import type { Logger } from '@depin/logger'
import type { DatabaseConfig } from './config.js'

/**
 * Starts the application's registry watcher (`watchRegistry`) on `gater`: each change notice makes
 * the gater read the registry now. One read runs at a time; a notice that arrives during a read
 * asks for one more after it (the read in flight may have started before the change). A watcher
 * that throws is logged, and the refresh interval remains. Returns the stop function.
 */
export function startRegistryWatch(
  watchRegistry: NonNullable<DatabaseConfig['watchRegistry']>,
  gater: RegistryGater,
  logger: Logger,
): () => void {
  const controller = new AbortController()
  let reading = false
  let again = false
  const read = async (): Promise<void> => {
    reading = true
    try {
      do {
        again = false
        // A failed read keeps the last good set (and is logged by the gater); the interval retries.
        // fresh: a refresh or miss read already in flight may predate the change.
        await gater.refresh({ signal: controller.signal, fresh: true }).catch(() => {})
      } while (again && !controller.signal.aborted)
    } finally {
      reading = false
    }
  }
  const onChange = (): void => {
    if (controller.signal.aborted) return
    logger.debug('registry change notified; reading the registry now')
    if (reading) again = true
    else void read()
  }
  try {
    watchRegistry({ onChange, signal: controller.signal })
  } catch (err) {
    logger.warn(
      'watchRegistry threw; registry changes are picked up by the refresh interval only',
      'error',
      err,
    )
  }
  return () => controller.abort()
}
