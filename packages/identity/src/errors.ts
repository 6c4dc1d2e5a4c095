/** Options every {@link DepinError} takes. */
export interface DepinErrorOptions {
  /** The lower-level error that caused this one. */
  cause?: unknown
  /** Extra detail for logs; never contains secret material. */
  details?: string
}

/**
 * The base class of every error thrown by @depin packages. `code` is stable and safe to branch on;
 * `shortMessage` is the message without `details`.
 *
 * @example
 * try { parseSecretKey(input) } catch (err) {
 *   if (err instanceof DepinError && err.code === 'INVALID_SECRET_KEY') { ... }
 * }
 */
export class DepinError extends Error {
  override name = 'DepinError'
  readonly code: string
  readonly shortMessage: string
  readonly details: string | undefined

  constructor(code: string, shortMessage: string, options: DepinErrorOptions = {}) {
    super(options.details === undefined ? shortMessage : `${shortMessage}\n\nDetails: ${options.details}`, {
      cause: options.cause,
    })
    this.code = code
    this.shortMessage = shortMessage
    this.details = options.details
  }
}

/**
 * A Solana secret key could not be used: wrong length, bad base58/JSON, or a second half that is
 * not the public key of its first half. The message never contains the key.
 */
export class InvalidSecretKeyError extends DepinError {
  override name = 'InvalidSecretKeyError'
  constructor(reason: string, options: DepinErrorOptions = {}) {
    super('INVALID_SECRET_KEY', `Invalid Solana secret key: ${reason}`, options)
  }
}

/** A wallet public key (base58, bytes or object) is malformed. */
export class InvalidWalletError extends DepinError {
  override name = 'InvalidWalletError'
  constructor(reason: string, options: DepinErrorOptions = {}) {
    super('INVALID_WALLET', `Invalid wallet public key: ${reason}`, options)
  }
}

/** A PeerId cannot be mapped to a wallet: unparseable, or not an Ed25519 PeerId. */
export class InvalidPeerIdError extends DepinError {
  override name = 'InvalidPeerIdError'
  constructor(reason: string, options: DepinErrorOptions = {}) {
    super('INVALID_PEER_ID', `Invalid PeerId: ${reason}`, options)
  }
}

/**
 * A solana-keygen keypair file could not be read (missing, a directory, no permission). A file
 * that is read but holds a malformed key gives {@link InvalidSecretKeyError} instead.
 */
export class KeypairFileError extends DepinError {
  override name = 'KeypairFileError'
  /** The path that could not be read. */
  readonly path: string
  constructor(path: string, options: DepinErrorOptions = {}) {
    super('KEYPAIR_FILE_UNREADABLE', `Cannot read the keypair file ${path}`, options)
    this.path = path
  }
}

/** A bootstrap node record is malformed; `field` names the bad field. */
export class InvalidBootstrapNodeError extends DepinError {
  override name = 'InvalidBootstrapNodeError'
  readonly field: string
  constructor(field: string, reason: string, options: DepinErrorOptions = {}) {
    super('INVALID_BOOTSTRAP_NODE', `Invalid bootstrap node: ${field} ${reason}`, options)
    this.field = field
  }
}
