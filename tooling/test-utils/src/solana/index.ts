// A LiteSVM chain driven by real transactions, with a Solana JSON-RPC server and a WebSocket
// subscription server answering from it (subpath @depin/test-utils/solana): how
// @depin/solana-registry and the facade's registry tests get on-chain state without a validator.
export * from './chain.js'
export * from './fixture.js'
export * from './rpc-server.js'
export * from './ws-server.js'
