export { type Logger, type LogLevel, noopLogger } from './logger.js'
