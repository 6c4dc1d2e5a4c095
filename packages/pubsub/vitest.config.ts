import base from '@depin/vitest-config'
import { defineProject, mergeConfig } from 'vitest/config'

// --expose-gc: the handle-leak test must collect QUIC's client UDP sockets, which
// @chainsafe/libp2p-quic closes only on garbage collection (see docs/toolchain.md).
export default mergeConfig(base, defineProject({ test: { name: 'pubsub', execArgv: ['--expose-gc'] } }))
