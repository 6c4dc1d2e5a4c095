import type { ComponentLogger, Logger as Libp2pLogger } from '@libp2p/interface'
import { isLevelEnabled, parseLogLevel } from './level.js'
import { formatLibp2pMessage } from './libp2p-format.js'
import type { Logger, LogLevel } from './logger.js'

/** Options of {@link createLibp2pLogBridge}. */
export interface Libp2pLogBridgeOptions {
  /**
   * The level libp2p's ordinary log lines (`log(...)`, and `log.trace(...)` when traced) are written at.
   * @default 'debug'
   */
  level?: LogLevel | undefined
  /**
   * The level of libp2p's `log.error(...)` lines. Most are routine (a dial to a gone peer, a reset
   * stream), hence debug; raise it to see them in production.
   * @default 'debug'
   */
  errorLevel?: LogLevel | undefined
  /**
   * Which components are written, by the name libp2p gives them (`libp2p:tcp`,
   * `libp2p:connection-manager`, scopes as `libp2p:tcp:listener`). Asked once per component.
   * @default () => true
   */
  enabledComponents?: ((component: string) => boolean) | undefined
  /**
   * Whether `log.trace(...)` lines are written (very verbose: every stream and frame).
   * @default false
   */
  trace?: boolean | undefined
}

/**
 * Routes libp2p's own component logs into a {@link Logger}: pass the result as `createLibp2p({ logger })`.
 * Each line becomes `logger.debug(<formatted message>, 'component', <name>)`; `log.error` lines carry
 * the component `<name>:error` and `log.trace` lines `<name>:trace`, as libp2p's `DEBUG` namespaces do.
 * A line whose component is disabled, or whose level the logger does not write (its
 * `isLevelEnabled`), reports `enabled: false` and costs one property read: libp2p checks it before
 * formatting in hot paths, and the bridge formats nothing for it. Never throws.
 *
 * @throws TypeError when `level` or `errorLevel` is not a log level.
 * @example
 * ```ts
 * import { createLibp2p } from 'libp2p'
 * import { createConsoleLogger, createLibp2pLogBridge } from '@depin/logger'
 *
 * const logger = createConsoleLogger({ level: 'debug' })
 * const node = await createLibp2p({
 *   logger: createLibp2pLogBridge(logger, { enabledComponents: (name) => !name.startsWith('libp2p:yamux') }),
 *   // transports, encrypters, ...
 * })
 * ```
 */
export function createLibp2pLogBridge(logger: Logger, options: Libp2pLogBridgeOptions = {}): ComponentLogger {
  const level = options.level === undefined ? 'debug' : parseLogLevel(options.level)
  const errorLevel = options.errorLevel === undefined ? 'debug' : parseLogLevel(options.errorLevel)
  const enabledComponents = options.enabledComponents
  const trace = options.trace === true

  const componentEnabled = (name: string): boolean => {
    if (enabledComponents === undefined) return true
    try {
      return Boolean(enabledComponents(name))
    } catch {
      return false
    }
  }

  const forComponent = (name: string): Libp2pLogger => {
    const enabled = componentEnabled(name)
    const log = createLine(logger, level, name, enabled)
    return Object.assign(log, {
      error: createLine(logger, errorLevel, `${name}:error`, enabled),
      trace: createLine(logger, level, `${name}:trace`, enabled && trace),
      newScope: (scope: string) => forComponent(`${name}:${scope}`),
    })
  }

  return { forComponent }
}

type LogLine = ((formatter: unknown, ...args: unknown[]) => void) & { readonly enabled: boolean }

function createLine(logger: Logger, level: LogLevel, component: string, componentEnabled: boolean): LogLine {
  if (!componentEnabled) return disabledLine()
  const isEnabled = (): boolean => isLevelEnabled(logger, level)
  const line = (formatter: unknown, ...args: unknown[]): void => {
    if (!isEnabled()) return
    try {
      logger[level](formatLibp2pMessage(formatter, args), 'component', component)
    } catch {
      // A logger must never throw into libp2p.
    }
  }
  // A getter, as @libp2p/logger's own `enabled`: the logger's level may change at run time (pino).
  Object.defineProperty(line, 'enabled', { get: isEnabled, enumerable: true })
  return line as LogLine
}

function disabledLine(): LogLine {
  const line = (_formatter: unknown, ..._args: unknown[]): void => {}
  Object.defineProperty(line, 'enabled', { value: false, enumerable: true })
  return line as LogLine
}
