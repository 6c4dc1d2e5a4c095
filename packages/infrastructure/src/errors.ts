import {
  configErrorClass,
  DepinError,
  type DepinErrorOptions,
  describeConfigIssues,
  messageErrorClass,
  reasonErrorClass,
  walk,
} from '@depin/errors'

/**
 * {@link NodeInit} fields are missing or out of range: `issues` lists every one and the message names
 * each; `field` is the first (e.g. `listenPorts.quic`).
 */
export class InvalidNodeConfigError extends configErrorClass(
  'INVALID_NODE_CONFIG',
  'InvalidNodeConfigError',
  (issues) => `Invalid node config: ${describeConfigIssues(issues)}`,
) {}

/** The libp2p node could not start, usually because it could not listen (a port in use, an address not on this host). */
export class NodeStartError extends DepinError<'NODE_START_FAILED'> {
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

/** What the operator can do about a start failure, when the cause says (empty when it does not). */
function startFailureHint(cause: unknown): string {
  // The cause or one of the errors it wraps (the first five of the chain).
  const has = (code: string, pattern: RegExp): boolean => {
    const matches = (e: unknown): boolean =>
      e instanceof Error && ((e as { code?: unknown }).code === code || pattern.test(e.message))
    return walk(cause, matches, { maxDepth: 5 }) !== undefined
  }
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
export class NotReadyError extends reasonErrorClass(
  'NOT_READY',
  'NotReadyError',
  'Node is not ready (no connected peer)',
) {}

/** The node was stopped; create or acquire a new one. */
export class NodeStoppedError extends messageErrorClass(
  'NODE_STOPPED',
  'NodeStoppedError',
  (action) => `Cannot ${action}: the node is stopped`,
) {}

declare module '@depin/errors' {
  interface DepinErrorsByCode {
    INVALID_NODE_CONFIG: InvalidNodeConfigError
    NODE_START_FAILED: NodeStartError
    NOT_READY: NotReadyError
    NODE_STOPPED: NodeStoppedError
  }
}
