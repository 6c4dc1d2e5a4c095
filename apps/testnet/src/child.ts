// One testnet node alone in its OS process, started by the CLI with an IPC channel (the fault
// scenarios kill such processes). Nodes that share a process run in host.ts instead.

import { exitChild, sendToParent, serveParent } from '@depin/test-utils/node-process-child'
import { NodeRunner } from './node-runner.js'
import type { ChildMessage, ParentMessage } from './protocol.js'

const runner = new NodeRunner({
  send: (message: ChildMessage) => sendToParent(message),
  onExit: (code) => exitChild(code),
  processMetrics: true,
})
// The parent forwards Ctrl-C as 'stop'; a terminal's SIGINT also reaches us directly: ignore it and
// wait for the parent, unless the parent is gone.
serveParent<ParentMessage>(
  (message) => runner.handle(message),
  () => void runner.stop(0),
  { ignoreSigint: true },
)
