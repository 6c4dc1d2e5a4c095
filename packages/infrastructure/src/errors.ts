import { DepinError, type DepinErrorOptions } from '@depin/identity'

/** A {@link NodeInit} field is missing or out of range; `field` names it (e.g. `listenPorts.quic`). */
export class InvalidNodeConfigError extends DepinError {
  override name = 'InvalidNodeConfigError'
  /** The dotted path of the bad field. */
  readonly field: string
  constructor(field: string, reason: string, options: DepinErrorOptions = {}) {
    super('INVALID_NODE_CONFIG', `Invalid node config: ${field} ${reason}`, options)
    this.field = field
  }
}

/** The libp2p node could not start, usually because it could not listen (a port in use, an address not on this host). */
export class NodeStartError extends DepinError {
  override name = 'NodeStartError'
  /** The addresses the node tried to listen on. */
  readonly listenAddresses: readonly string[]
  constructor(listenAddresses: readonly string[], options: DepinErrorOptions = {}) {
    const reason = options.cause instanceof Error ? `: ${options.cause.message}` : ''
    super(
      'NODE_START_FAILED',
      `Could not start the node listening on ${listenAddresses.join(', ') || '(nothing)'}${reason}. Is a port in use? Set listenPorts to free ports (0 = any free port).`,
      options,
    )
    this.listenAddresses = listenAddresses
  }
}

/** `waitUntilReady()` gave up: no peer connected within the time allowed. */
export class NotReadyError extends DepinError {
  override name = 'NotReadyError'
  constructor(reason: string, options: DepinErrorOptions = {}) {
    super('NOT_READY', `Node is not ready (no connected peer): ${reason}`, options)
  }
}

/** The node was stopped; create or acquire a new one. */
export class NodeStoppedError extends DepinError {
  override name = 'NodeStoppedError'
  constructor(action: string, options: DepinErrorOptions = {}) {
    super('NODE_STOPPED', `Cannot ${action}: the node is stopped`, options)
  }
}
