/**
 * Every stable error code a `@depin` package throws, with what it means. A code never changes
 * once released; branch on it with {@link isDepinError}. Each code belongs to exactly one error
 * class (named in brackets).
 */
export const DEPIN_ERROR_CODES = {
  // @depin/identity
  INVALID_SECRET_KEY:
    'A Solana secret key is malformed: wrong length, bad base58/JSON, or halves that do not match [InvalidSecretKeyError].',
  INVALID_WALLET: 'A wallet public key (base58, bytes or object) is malformed [InvalidWalletError].',
  INVALID_PEER_ID:
    'A PeerId is unparseable or not an Ed25519 PeerId, so it names no wallet [InvalidPeerIdError].',
  KEYPAIR_FILE_UNREADABLE: 'A solana-keygen keypair file could not be read [KeypairFileError].',
  INVALID_BOOTSTRAP_NODE: 'A bootstrap node record has a bad field [InvalidBootstrapNodeError].',
  // @depin/gater
  INVALID_GATER_CONFIG:
    'Registry gater options are invalid; every bad field is listed [InvalidGaterConfigError].',
  REGISTRY_CALL_FAILED:
    'A getAuthorizedWallets call threw, timed out or gave a junk answer; the gater keeps its last good set [RegistryCallError].',
  // @depin/infrastructure
  INVALID_NODE_CONFIG:
    'Node options are missing or out of range; every bad field is listed [InvalidNodeConfigError].',
  NODE_START_FAILED: 'The libp2p node could not start, usually because it could not listen [NodeStartError].',
  NOT_READY: 'No peer connected within the time waitUntilReady allowed [NotReadyError].',
  NODE_STOPPED: 'The node was stopped; create or acquire a new one [NodeStoppedError].',
  // @depin/messaging
  NO_PEERS: 'publish with throwOnNoPeers found no peer subscribed to the topic [NoPeersError].',
  TOPIC_PEERS_TIMEOUT: 'waitForTopicPeers gave up before enough peers subscribed [TopicPeersTimeoutError].',
  INVALID_TOPIC: 'A topic name is empty, too long or contains control characters [InvalidTopicError].',
  INVALID_MESSAGE:
    'A message cannot be published: not JSON-serialisable or over the size cap [InvalidMessageError].',
  MESSAGING_NOT_RUNNING: 'The messaging layer was stopped or not started yet [MessagingNotRunningError].',
  DATABASE_IN_USE:
    'Another messaging instance already serves this database on this node [DatabaseInUseError].',
  // @depin/metrics
  METRICS_SERVER_START_FAILED:
    'The /metrics and /healthz server could not listen, usually because its port is taken [MetricsServerStartError].',
  // @depin/solana-registry
  INVALID_SOLANA_REGISTRY_CONFIG:
    'Solana registry options are invalid (bad base58 address, no endpoint, non-http URL, negative amount...); every bad field is listed [InvalidSolanaRegistryConfigError].',
  SOLANA_RPC_FAILED:
    'Every Solana RPC endpoint failed, timed out or answered junk, and there was no earlier good answer to keep [SolanaRpcError].',
  // any package that validates a config object
  INVALID_CONFIG: 'A configuration object failed validation; every bad field is listed [InvalidConfigError].',
} as const

/** A stable error code of a `@depin` package, e.g. `'INVALID_SECRET_KEY'`. */
export type DepinErrorCode = keyof typeof DEPIN_ERROR_CODES
