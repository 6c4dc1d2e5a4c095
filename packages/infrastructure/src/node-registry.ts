import type { NodeInit } from './config.js'
import { createNode } from './create-node.js'
import { InvalidNodeConfigError } from './errors.js'
import { onNodeStopped } from './node.js'
import type { DepinNode } from './node-api.js'

/** A reference to a shared node; `release()` once when done (idempotent). */
export interface NodeLease {
  readonly node: DepinNode
  /** Drops this reference; the last one stops the node. */
  release(): Promise<void>
}

interface Entry {
  node: Promise<DepinNode>
  refs: number
}

// One node per wallet per process (the process-level infrastructure of the Go implementation's design).
const nodes = new Map<string, Entry>()
// Nodes being stopped by their last release: a new node for the wallet waits for its ports.
const stopping = new Map<string, Promise<void>>()

/**
 * Returns the process's node for `init.identity`'s wallet, creating it on first use. Every user of
 * the same wallet gets the same node (reference counted); the last `release()` stops it. The
 * first caller's `init` configures the node; later callers' other fields are ignored.
 *
 * @example
 * const { node, release } = await acquireNode({ identity, getBootstrapNodes })
 * const db = await node.joinDatabase('my-depin', gater)
 * // ...
 * await db.leave(); await release()
 */
export async function acquireNode(init: NodeInit): Promise<NodeLease> {
  const wallet = init?.identity?.wallet
  if (typeof wallet !== 'string') {
    throw new InvalidNodeConfigError('identity', 'must be a WalletIdentity from parseSecretKey()')
  }
  let entry = nodes.get(wallet)
  if (entry === undefined) {
    await stopping.get(wallet)?.catch(() => {})
    entry = nodes.get(wallet)
  }
  if (entry === undefined) {
    const created: Entry = { refs: 0, node: createNode(init) }
    entry = created
    nodes.set(wallet, created)
    created.node.then(
      (node) =>
        onNodeStopped(node, () => {
          if (nodes.get(wallet) === created) nodes.delete(wallet)
        }),
      () => {
        if (nodes.get(wallet) === created) nodes.delete(wallet)
      },
    )
  } else {
    init.logger?.debug("reusing this process's node for the wallet", 'wallet', wallet)
  }
  entry.refs++
  let node: DepinNode
  try {
    node = await entry.node
  } catch (err) {
    entry.refs--
    throw err
  }
  const current = entry
  let released = false
  return {
    node,
    release: async () => {
      if (released) return
      released = true
      current.refs--
      if (current.refs > 0) return
      if (nodes.get(wallet) === current) nodes.delete(wallet)
      const done = node.stop().finally(() => {
        if (stopping.get(wallet) === done) stopping.delete(wallet)
      })
      stopping.set(wallet, done)
      await done
    },
  }
}
