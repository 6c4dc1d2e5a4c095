import { afterEach, describe, expect, it } from 'vitest'
import {
  createTopology,
  listHarnessNamespaces,
  netlabUnavailableReason,
  type Topology,
} from '../src/index.js'

const unavailable = netlabUnavailableReason()
if (unavailable !== undefined) console.warn(`netlab topology tests skipped: ${unavailable}`)

/** A UDP probe from one host to another: resolves with what the receiver saw (address the sender appeared from). */
async function udpProbe(
  topology: Topology,
  from: string,
  to: string,
  port: number,
): Promise<string | undefined> {
  const node = process.execPath
  const receiver = topology
    .exec(to, [
      node,
      '-e',
      `const s=require('dgram').createSocket('udp6');s.on('message',(m,r)=>{process.stdout.write(r.address);process.exit(0)});s.bind(${port},()=>process.stdout.write(''));setTimeout(()=>process.exit(0),1500)`,
    ])
    .then((out) => out || undefined)
  // the receiver needs a moment to bind; send a few datagrams (bounded)
  const target = topology.host(to).publicAddress
  await topology.exec(from, [
    node,
    '-e',
    `const s=require('dgram').createSocket('udp6');let n=0;const t=setInterval(()=>{s.send('x',${port},'${target}');if(++n===10){clearInterval(t);s.close()}},100)`,
  ])
  return receiver
}

describe.skipIf(unavailable !== undefined)(
  `topology${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let topology: Topology | undefined
    afterEach(async () => {
      await topology?.destroy()
    })

    it('builds a public segment and NATed LANs; a LAN host appears at its router address; cut and heal', async () => {
      topology = await createTopology({
        publicHosts: ['relay'],
        lans: [
          { name: 'a', nat: 'masquerade', hosts: ['alice'] },
          { name: 'b', nat: 'port-forward', hosts: ['bob'], forwardPorts: { udp: [5001] } },
        ],
      })
      const alice = topology.host('alice')
      expect(alice.address.startsWith('fd00:')).toBe(true)
      expect(alice.publicAddress.startsWith('3fff:')).toBe(true)
      // masquerade: the relay sees alice at her router's public address
      expect(await udpProbe(topology, 'alice', 'relay', 5000)).toBe(alice.publicAddress)
      // masquerade filters unsolicited inbound traffic; port-forward lets it through
      expect(await udpProbe(topology, 'relay', 'alice', 5000)).toBeUndefined()
      expect(await udpProbe(topology, 'relay', 'bob', 5001)).toBe(topology.host('relay').address)
      await topology.cutLink('a')
      expect(await udpProbe(topology, 'alice', 'relay', 5000)).toBeUndefined()
      await topology.healLink('a')
      expect(await udpProbe(topology, 'alice', 'relay', 5000)).toBe(alice.publicAddress)
    })

    it('partition() cuts the public segment between groups only; healPartition() restores it', async () => {
      topology = await createTopology({ publicHosts: ['a1', 'a2', 'b1'] })
      await topology.partition([['a1', 'a2'], ['b1']])
      expect(await udpProbe(topology, 'a1', 'b1', 5000)).toBeUndefined()
      expect(await udpProbe(topology, 'b1', 'a2', 5000)).toBeUndefined()
      expect(await udpProbe(topology, 'a1', 'a2', 5000)).toBe(topology.host('a1').address)
      await topology.healPartition()
      expect(await udpProbe(topology, 'a1', 'b1', 5000)).toBe(topology.host('a1').address)
      await topology.healPartition() // no partition left: a no-op
      await expect(topology.partition([['a1'], ['nope']])).rejects.toThrow(/not a public host or a LAN/)
    })

    it('destroy() removes every namespace and is idempotent', async () => {
      topology = await createTopology({ publicHosts: ['one', 'two'] })
      const created = [...topology.namespaces]
      expect(created.length).toBe(3)
      await Promise.all([topology.destroy(), topology.destroy()])
      const left = listHarnessNamespaces()
      for (const name of created) expect(left).not.toContain(name)
    })

    it('rejects bad names and cleans up', async () => {
      await expect(createTopology({ publicHosts: ['Bad_Name'] })).rejects.toThrow(/lowercase/)
      await expect(createTopology({ publicHosts: ['x', 'x'] })).rejects.toThrow(/unique/)
    })
  },
)
