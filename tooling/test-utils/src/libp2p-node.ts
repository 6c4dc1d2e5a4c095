import { noise } from '@chainsafe/libp2p-noise'
import { quic } from '@chainsafe/libp2p-quic'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { ConnectionGater, Libp2p, PrivateKey, ServiceMap } from '@libp2p/interface'
import { type TCPSocketOptions, tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2pOptions } from 'libp2p'

/** Options for {@link createTestLibp2p}. */
export interface TestLibp2pOptions<S extends ServiceMap = ServiceMap> {
  /** The node's key, e.g. `generateWallet().identity.privateKey`. */
  privateKey: PrivateKey
  connectionGater?: ConnectionGater
  /** Transports to listen and dial on (loopback only). @default ['tcp', 'quic'] */
  transports?: Array<'tcp' | 'quic'>
  /** Local IP that outgoing TCP connections come from (any 127.x.y.z works on Linux). Lets flood tests
   * avoid libp2p's 5-inbound-connections-per-second-per-IP limit. */
  tcpLocalAddress?: string
  /** Extra libp2p options merged over the defaults (services are merged with identify). */
  options?: Omit<Libp2pOptions<S>, 'privateKey' | 'connectionGater'>
}

/**
 * Starts a libp2p 3 node on 127.0.0.1 (TCP and QUIC on random ports, Noise, Yamux, identify) for tests.
 * Stop it in `afterEach`.
 *
 * @example
 * const node = await createTestLibp2p({ privateKey: generateWallet().identity.privateKey, connectionGater })
 * await other.dial(node.getMultiaddrs()[0])
 */
export async function createTestLibp2p<S extends ServiceMap = ServiceMap>(
  init: TestLibp2pOptions<S>,
): Promise<Libp2p<S & { identify: unknown }>> {
  const use = new Set(init.transports ?? ['tcp', 'quic'])
  const listen: string[] = []
  const transports: NonNullable<Libp2pOptions['transports']> = []
  if (use.has('tcp')) {
    listen.push('/ip4/127.0.0.1/tcp/0')
    // `localAddress` is passed straight to net.connect; the published TCPSocketOptions type omits it.
    const dialOpts = (
      init.tcpLocalAddress === undefined ? {} : { localAddress: init.tcpLocalAddress }
    ) as TCPSocketOptions
    transports.push(tcp({ dialOpts }))
  }
  if (use.has('quic')) {
    listen.push('/ip4/127.0.0.1/udp/0/quic-v1')
    transports.push(quic())
  }
  const extra = init.options ?? {}
  const options = {
    ...extra,
    privateKey: init.privateKey,
    addresses: { listen, ...extra.addresses },
    transports: [...transports, ...(extra.transports ?? [])],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ...extra.services },
    ...(init.connectionGater === undefined ? {} : { connectionGater: init.connectionGater }),
  } as Libp2pOptions<S & { identify: unknown }>
  return createLibp2p(options)
}
