import base from '@depin/vitest-config'
import { defineProject, mergeConfig } from 'vitest/config'

// --expose-gc: leak and soak tests count handles after a forced GC, because
// @chainsafe/libp2p-quic closes its client UDP sockets only on garbage collection (TOOLCHAIN.md).
export default mergeConfig(base, defineProject({ test: { name: 'reliability', execArgv: ['--expose-gc'] } }))
