import { DepinError, type DepinErrorOptions, reasonErrorClass } from '@depin/errors'

/**
 * A Solana secret key could not be used: wrong length, bad base58/JSON, or a second half that is
 * not the public key of its first half. The message never contains the key.
 */
export class InvalidSecretKeyError extends reasonErrorClass(
  'INVALID_SECRET_KEY',
  'InvalidSecretKeyError',
  'Invalid Solana secret key',
) {}

/** A wallet public key (base58, bytes or object) is malformed. */
export class InvalidWalletError extends reasonErrorClass(
  'INVALID_WALLET',
  'InvalidWalletError',
  'Invalid wallet public key',
) {}

/** A PeerId cannot be mapped to a wallet: unparseable, or not an Ed25519 PeerId. */
export class InvalidPeerIdError extends reasonErrorClass(
  'INVALID_PEER_ID',
  'InvalidPeerIdError',
  'Invalid PeerId',
) {}

/**
 * A solana-keygen keypair file could not be read (missing, a directory, no permission). A file
 * that is read but holds a malformed key gives {@link InvalidSecretKeyError} instead.
 */
export class KeypairFileError extends DepinError<'KEYPAIR_FILE_UNREADABLE'> {
  override name = 'KeypairFileError'
  /** The path that could not be read. */
  readonly path: string
  constructor(path: string, options: DepinErrorOptions = {}) {
    super('KEYPAIR_FILE_UNREADABLE', `Cannot read the keypair file ${path}`, options)
    this.path = path
  }
}

/** A bootstrap node record is malformed; `field` names the bad field. */
export class InvalidBootstrapNodeError extends DepinError<'INVALID_BOOTSTRAP_NODE'> {
  override name = 'InvalidBootstrapNodeError'
  /** The bad field of the record: `node`, `publicKey`, `ip`, `quicPort` or `tcpPort`. */
  readonly field: string
  constructor(field: string, reason: string, options: DepinErrorOptions = {}) {
    super('INVALID_BOOTSTRAP_NODE', `Invalid bootstrap node: ${field} ${reason}`, options)
    this.field = field
  }
}

declare module '@depin/errors' {
  interface DepinErrorsByCode {
    INVALID_SECRET_KEY: InvalidSecretKeyError
    INVALID_WALLET: InvalidWalletError
    INVALID_PEER_ID: InvalidPeerIdError
    KEYPAIR_FILE_UNREADABLE: KeypairFileError
    INVALID_BOOTSTRAP_NODE: InvalidBootstrapNodeError
  }
}
