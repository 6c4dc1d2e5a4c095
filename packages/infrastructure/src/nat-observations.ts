import { isPrivate } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'

/** One peer's report of where it sees us, on one transport. */
export interface Observation {
  host: string
  port: number
  family: 4 | 6
}

export type ObservedTransport = 'tcp' | 'quic'
/**
 * Which socket an observation is about: QUIC's outbound connections share one client socket (its
 * mapping tells the NAT type); inbound connections were dialed at one of our listen addresses (the
 * peer reached us there). Outbound TCP dials come from ephemeral ports and say nothing.
 */
export type ObservationKey = 'quic-outbound' | 'quic-inbound' | 'tcp-inbound'

/** A public TCP or QUIC address as host, port, family and transport; undefined for anything else. */
export function parseObserved(
  addr: Multiaddr,
  allowPrivate = false,
): { transport: ObservedTransport; observation: Observation } | undefined {
  const components = addr.getComponents()
  const [ip, port, quic] = components
  if (ip === undefined || port === undefined || ip.value === undefined || port.value === undefined)
    return undefined
  if (ip.name !== 'ip4' && ip.name !== 'ip6') return undefined
  let transport: ObservedTransport
  if (port.name === 'tcp' && (quic === undefined || quic.name === 'p2p')) transport = 'tcp'
  else if (port.name === 'udp' && quic?.name === 'quic-v1') transport = 'quic'
  else return undefined
  if (!allowPrivate && isPrivate(addr) !== false) return undefined
  const portNumber = Number(port.value)
  if (!Number.isInteger(portNumber) || portNumber <= 0 || portNumber > 65_535) return undefined
  return {
    transport,
    observation: { host: ip.value, port: portNumber, family: ip.name === 'ip4' ? 4 : 6 },
  }
}

/** Outbound TCP dials come from ephemeral ports: their observations say nothing. */
export function observationKey(
  transport: ObservedTransport,
  direction: 'inbound' | 'outbound',
): ObservationKey | undefined {
  if (transport === 'quic') return direction === 'inbound' ? 'quic-inbound' : 'quic-outbound'
  return direction === 'inbound' ? 'tcp-inbound' : undefined
}
