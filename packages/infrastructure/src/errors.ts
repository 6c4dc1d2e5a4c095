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
    // libp2p's listen error embeds each address's stack trace in its message; keep the words.
    const reason =
      options.cause instanceof Error
        ? `: ${options.cause.message
            .split('\n')
            .filter((line) => !/^\s+at /.test(line))
            .join('\n')
            .trim()}`
        : ''
    const hint = startFailureHint(options.cause)
    super(
      'NODE_START_FAILED',
      `Could not start the node listening on ${listenAddresses.join(', ') || '(nothing)'}${reason}.${hint === '' ? '' : ` ${hint}`}`,
      options,
    )
    this.listenAddresses = listenAddresses
  }
}

/** The cause's own message and code, and those of the errors it wraps (bounded). */
function causeChain(cause: unknown): Array<{ code: unknown; message: string }> {
  const chain: Array<{ code: unknown; message: string }> = []
  for (let e = cause, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    chain.push({ code: (e as { code?: unknown }).code, message: e.message })
  }
  return chain
}

/** What the operator can do about a start failure, when the cause says (empty when it does not). */
function startFailureHint(cause: unknown): string {
  const chain = causeChain(cause)
  const has = (code: string, pattern: RegExp): boolean =>
    chain.some((e) => e.code === code || pattern.test(e.message))
  if (has('EADDRINUSE', /in use|EADDRINUSE/i)) {
    return 'A port is in use: set listenPorts to free ports (0 = any free port).'
  }
  if (has('EADDRNOTAVAIL', /not available|cannot assign/i)) {
    return 'The listen host is not an address of this machine: set listenHost to one (or 0.0.0.0).'
  }
  const major = Number(process.versions.node.split('.')[0])
  if (major < 22) return `libp2p 3 needs Node.js 22 or later; this is ${process.version}.`
  return ''
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
