import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { upnpNat } from '@achingbrain/nat-port-mapper'
import { generateWallet } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveNodeInit } from '../src/config-resolve.js'
import { createNode, type DepinNode, InvalidNodeConfigError, type NodeInit } from '../src/index.js'
import { FAST } from './helpers.js'

// The port mapping itself (a real router: miniupnpd) is tested in tooling/netlab
// (test/port-mapping.test.ts). Here: when it runs, its config, and the upstream fix it relies on.

const base: NodeInit = { identity: generateWallet().identity, getBootstrapNodes: async () => [] }
const enabled = (init: Partial<NodeInit>): boolean =>
  resolveNodeInit({ ...base, ...init }).portMapping.enabled

describe('portMapping: where it runs', () => {
  it.each([
    ['the default listen host 0.0.0.0', {}],
    ['a private LAN address', { listenHost: '192.168.1.20' }],
    ['a 10/8 address', { listenHost: '10.1.2.3' }],
    ['a carrier-grade NAT address', { listenHost: '100.64.0.9' }],
    [
      'explicit listen addresses with one wildcard',
      { listenAddresses: ['/ip4/0.0.0.0/tcp/4002', '/p2p-circuit'] },
    ],
    ['{ gateways } on a LAN address', { listenHost: '192.168.1.20', portMapping: { gateways: [] } }],
  ])('on by default with %s', (_, init) => {
    expect(enabled(init as Partial<NodeInit>)).toBe(true)
  })

  it.each([
    ['loopback (every test here)', { listenHost: '127.0.0.1' }],
    ['another loopback address', { listenHost: '127.0.1.7' }],
    ['loopback even when asked for', { listenHost: '127.0.0.1', portMapping: true }],
    ['IPv6 only', { listenHost: '::' }],
    ['a public address (nothing to map)', { listenHost: '203.0.113.7' }],
    ['link-local', { listenHost: '169.254.3.4' }],
    ['relay only', { listenAddresses: ['/p2p-circuit'] }],
    ['portMapping: false', { listenHost: '0.0.0.0', portMapping: false }],
    ['announced addresses (they replace mapped ones)', { announceAddresses: ['/ip4/203.0.113.7/tcp/4002'] }],
  ])('off with %s', (_, init) => {
    expect(enabled(init as Partial<NodeInit>)).toBe(false)
  })

  it.each([
    ['portMapping', 'yes'],
    ['portMapping', null],
    ['portMapping', ['http://192.168.1.1/rootDesc.xml']],
    ['portMapping.gateways', { gateways: 'http://192.168.1.1/rootDesc.xml' }],
    ['portMapping.gateways[0]', { gateways: ['192.168.1.1:5000'] }],
    [
      'portMapping.gateways[1]',
      { gateways: ['http://192.168.1.1:5000/rootDesc.xml', 'ftp://192.168.1.1/x'] },
    ],
  ])('a bad value throws InvalidNodeConfigError naming %s', (field, portMapping) => {
    const err = (() => {
      try {
        resolveNodeInit({ ...base, portMapping: portMapping as never })
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(InvalidNodeConfigError)
    expect(err).toMatchObject({ field })
    expect((err as Error).message).toContain(field)
  })
})

describe('portMapping: a loopback node', () => {
  let node: DepinNode | undefined
  afterEach(async () => {
    await node?.stop()
  })

  it('has no port mapping service and says so in its metrics', async () => {
    node = await createNode({ ...base, ...FAST })
    expect(node.libp2p.services.portMapping).toBeUndefined()
    expect(node.metrics().portMapping).toEqual({ enabled: false, gateways: 0, mapped: [], failures: 0 })
  })
})

/**
 * A minimal UPnP IGDv2 on 127.0.0.1: its device descriptor and a WANIPConnection:2 control URL that
 * reserves another external port than the one asked for (as a router does when it is taken).
 */
async function fakeGateway(
  reservedPort: number,
): Promise<{ url: URL; actions: string[]; close(): Promise<void> }> {
  const actions: string[] = []
  const service = 'urn:schemas-upnp-org:service:WANIPConnection:2'
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString()
    })
    req.on('end', () => {
      res.setHeader('content-type', 'text/xml')
      if (req.method === 'GET') {
        res.end(`<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><device>
          <deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:2</deviceType><UDN>uuid:fake</UDN>
          <serviceList><service><serviceType>${service}</serviceType><serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
          <SCPDURL>/scpd.xml</SCPDURL><controlURL>/ctl</controlURL><eventSubURL>/evt</eventSubURL></service></serviceList>
          </device></root>`)
        return
      }
      const action = /#(\w+)"?$/.exec(req.headers.soapaction?.toString() ?? '')?.[1] ?? '?'
      const field = (name: string): string => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1] ?? ''
      actions.push(`${action} ${field('NewProtocol')} ${field('NewExternalPort')}`.trim())
      const result =
        action === 'AddAnyPortMapping'
          ? `<NewReservedPort>${reservedPort}</NewReservedPort>`
          : action === 'GetExternalIPAddress'
            ? '<NewExternalIPAddress>203.0.113.7</NewExternalIPAddress>'
            : ''
      res.end(`<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
        <u:${action}Response xmlns:u="${service}">${result}</u:${action}Response></s:Body></s:Envelope>`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: new URL(`http://127.0.0.1:${port}/rootDesc.xml`),
    actions,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

// patches/@achingbrain__nat-port-mapper@4.0.5.patch: upstream deleted every mapping with an empty
// protocol and the *internal* port, so a gateway (miniupnpd) removed the TCP one and kept the UDP
// (QUIC) one, and a mapping on another external port was never removed. Remove with the patch once
// upstream has it.
describe('patched @achingbrain/nat-port-mapper', () => {
  it('deletes each mapping with its own protocol and the external port the gateway reserved', async () => {
    const gateway = await fakeGateway(40_001)
    try {
      const client = await upnpNat({ autoRefresh: false }).getGateway(gateway.url)
      const udp = await client.map(4001, '192.168.1.2', { protocol: 'UDP' })
      const tcp = await client.map(4002, '192.168.1.2', { protocol: 'TCP' })
      expect([udp.externalPort, tcp.externalPort]).toEqual([40_001, 40_001])
      expect(udp.externalHost).toBe('203.0.113.7')
      await client.stop({ signal: AbortSignal.timeout(5_000) })
      expect(gateway.actions.filter((a) => a.startsWith('DeletePortMapping')).sort()).toEqual([
        'DeletePortMapping TCP 40001',
        'DeletePortMapping UDP 40001',
      ])
    } finally {
      await gateway.close()
    }
  })
})
