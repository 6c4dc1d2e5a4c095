export { type Controllable, type ControllableMode, createControllable } from './controllable.js'
export { type GeneratedWallet, generateWallet, generateWallets } from './keys.js'
export { createTestLibp2p, type TestLibp2pOptions } from './libp2p-node.js'
export { connectRawNodes, createRawNode, type RawNode } from './raw-gossipsub-node.js'
export {
  createInMemoryBootstrapList,
  createInMemoryRegistry,
  type InMemoryBootstrapList,
  type InMemoryRegistry,
} from './registry.js'
export { type EventSource, type WaitForOptions, waitFor, waitForEvent } from './wait-for.js'
