// TEMPORARY stand-in for @depin/gater's contract until packages/gater exports it. Replace the
// imports of this file with '@depin/gater' and delete it.
import type { ConnectionGater, Libp2p, PeerId } from '@libp2p/interface'

export interface RegistryGater {
  readonly connectionGater: ConnectionGater
  isAuthorized(peerId: PeerId, options?: { signal?: AbortSignal }): Promise<boolean>
  isAuthorizedCached(peerId: PeerId): boolean
  attach(node: Libp2p): () => void
}

export interface GaterGroup {
  readonly connectionGater: ConnectionGater
  add(gater: RegistryGater): void
  delete(gater: RegistryGater): void
  isAuthorized(peerId: PeerId, options?: { signal?: AbortSignal }): Promise<boolean>
  attach(node: Libp2p): () => void
}

type Hook = keyof ConnectionGater

const HOOKS: Hook[] = [
  'denyDialPeer',
  'denyDialMultiaddr',
  'denyInboundConnection',
  'denyOutboundConnection',
  'denyInboundEncryptedConnection',
  'denyOutboundEncryptedConnection',
  'denyInboundUpgradedConnection',
  'denyOutboundUpgradedConnection',
  'denyInboundRelayReservation',
  'denyOutboundRelayedConnection',
  'denyInboundRelayedConnection',
]

export function createGaterGroup(): GaterGroup {
  const members = new Set<RegistryGater>()
  const connectionGater: ConnectionGater = {}
  for (const hook of HOOKS) {
    ;(connectionGater as Record<string, unknown>)[hook] = async (...args: unknown[]) => {
      for (const member of members) {
        const fn = member.connectionGater[hook] as
          | ((...a: unknown[]) => boolean | Promise<boolean>)
          | undefined
        if (fn === undefined || !(await fn.apply(member.connectionGater, args))) return false
      }
      return true
    }
  }
  return {
    connectionGater,
    add: (g) => {
      members.add(g)
    },
    delete: (g) => {
      members.delete(g)
    },
    isAuthorized: async (peerId, options) => {
      for (const m of members) if (await m.isAuthorized(peerId, options)) return true
      return false
    },
    attach: () => () => {},
  }
}
