// One testnet node alone in its OS process, started by the CLI with an IPC channel (the fault
// scenarios kill such processes). Nodes that share a process run in host.ts instead.

import { NodeRunner } from './node-runner.js'
import type { ChildMessage, ParentMessage } from './protocol.js'

const runner = new NodeRunner({
  send(message: ChildMessage) {
    if (process.connected) process.send?.(message)
  },
  onExit(code) {
    process.disconnect?.()
    process.exit(code)
  },
})
process.on('message', (message: ParentMessage) => runner.handle(message))
// The parent forwards Ctrl-C as 'stop'; a terminal's SIGINT also reaches us directly: ignore it and
// wait for the parent, unless the parent is gone.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => void runner.stop(0))
process.on('disconnect', () => void runner.stop(0))
