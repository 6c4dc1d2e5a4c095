import type { ConnectionGater, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { GaterHook } from './decisions.js'

// Multicodec of the `/p2p/` multiaddr component.
const CODE_P2P = 421

/** What a gater needs to answer libp2p's hooks. `true` denies, as in libp2p's ConnectionGater. */
export interface PeerJudge {
  /** Judges one peer at one hook; synchronous when the answer is cached. */
  deny(peerId: PeerId, hook: GaterHook): boolean | Promise<boolean>
  /** A `/p2p/` component that is not a PeerId: always denied (and counted). */
  denyUnparseable(value: string, hook: GaterHook): true
}

/**
 * The libp2p `ConnectionGater` over a {@link PeerJudge}: dial by peer and by multiaddr (every
 * `/p2p/` component must be admitted; an address without one is judged after the handshake),
 * inbound and outbound after encryption (where QUIC and TCP both know the remote PeerId), and the
 * circuit relay v2 hooks (reservations, and relayed connections from or to a peer).
 */
export function createConnectionGater(judge: PeerJudge): ConnectionGater {
  return {
    denyDialPeer: (peerId) => judge.deny(peerId, 'dial-peer'),
    denyDialMultiaddr: (multiaddr) => denyMultiaddr(judge, multiaddr),
    denyInboundEncryptedConnection: (peerId) => judge.deny(peerId, 'inbound-encrypted'),
    denyOutboundEncryptedConnection: (peerId) => judge.deny(peerId, 'outbound-encrypted'),
    denyInboundRelayReservation: (source) => judge.deny(source, 'relay-reservation'),
    denyOutboundRelayedConnection: (source, destination) =>
      orElse(judge.deny(source, 'relay-outbound'), () => judge.deny(destination, 'relay-outbound')),
    denyInboundRelayedConnection: (relay, remotePeer) =>
      orElse(judge.deny(remotePeer, 'relay-inbound'), () => judge.deny(relay, 'relay-inbound')),
  }
}

function denyMultiaddr(judge: PeerJudge, multiaddr: Multiaddr): boolean | Promise<boolean> {
  let result: boolean | Promise<boolean> = false
  for (const component of multiaddr.getComponents()) {
    if (component.code !== CODE_P2P) continue
    const value = component.value ?? ''
    result = orElse(result, () => {
      let peerId: PeerId
      try {
        peerId = peerIdFromString(value)
      } catch {
        return judge.denyUnparseable(value, 'dial-multiaddr')
      }
      return judge.deny(peerId, 'dial-multiaddr')
    })
  }
  return result
}

/** `first` if it denies, else `next()`; stays synchronous while both are. */
function orElse(
  first: boolean | Promise<boolean>,
  next: () => boolean | Promise<boolean>,
): boolean | Promise<boolean> {
  if (first === true) return true
  if (first === false) return next()
  return first.then((denied) => denied || next())
}
