import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { waitFor } from '@depin/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createTopology,
  listHarnessNamespaces,
  netlabUnavailableReason,
  type Topology,
} from '../src/index.js'

const unavailable = netlabUnavailableReason()
if (unavailable !== undefined) console.warn(`netlab topology tests skipped: ${unavailable}`)

/**
 * A UDP socket bound on a host, in a node process of its own: every datagram it gets, with the
 * address it came from, as it comes; it answers "hello" with "answer", and sends on command from its
 * own port (so a reply through a NAT comes back to it).
 */
interface Listener {
  /** The address of the first datagram reading `text`, waiting for it (bounded). */
  first(text: string): Promise<string>
  /** Datagrams that arrived so far, in order. */
  readonly received: ReadonlyArray<{ text: string; from: string }>
  send(to: string, port: number, text: string): void
}

const LISTENER = `
const s = require('dgram').createSocket('udp6')
s.on('message', (m, r) => {
  process.stdout.write(m + ' ' + r.address + '\\n')
  if (String(m) === 'hello') s.send('answer', r.port, r.address)
})
s.bind(Number(process.argv[1]), () => process.stdout.write('ready -\\n'))
require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const [to, port, text] = line.split(' ')
  s.send(text, Number(port), to)
}).on('close', () => process.exit(0))
`

const WAIT_MS = 20_000
/** Every listener's process, killed after each test. */
const children: ChildProcess[] = []

async function listen(topology: Topology, host: string, port: number): Promise<Listener> {
  const child = spawn('ip', [
    'netns',
    'exec',
    topology.host(host).namespace,
    process.execPath,
    '-e',
    LISTENER,
    String(port),
  ])
  children.push(child)
  const received: { text: string; from: string }[] = []
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [text = '', from = ''] = line.split(' ')
    received.push({ text, from })
  })
  const first = (text: string): Promise<string> =>
    waitFor(() => received.find((r) => r.text === text)?.from, {
      timeoutMs: WAIT_MS,
      message: `"${text}" at ${host}:${port}`,
    })
  await first('ready')
  return {
    first,
    received,
    send: (to, toPort, text) => child.stdin.write(`${to} ${toPort} ${text}\n`),
  }
}

/** `count` datagrams `text` from a host (a process of its own, ended once they are sent). */
async function send(
  topology: Topology,
  from: string,
  to: string,
  port: number,
  text: string,
  count = 5,
): Promise<void> {
  await topology.exec(from, [
    process.execPath,
    '-e',
    `const s=require('dgram').createSocket('udp6');let n=0;const next=()=>n++<${count}?s.send('${text}',${port},'${to}',next):s.close();next()`,
  ])
}

/**
 * The "x" datagrams a listener got before its "done". The "done" comes from the listener's own
 * host (loopback), sent once the process that sent the "x"s has exited: on an open path they take
 * microseconds, so any the path let through is there first, and none means the path held them
 * back (dropped, or queued while the next hop cannot be resolved: a cut link's and a partition's
 * datagrams may still arrive after the heal, as on a real network).
 */
async function xBeforeDone(
  topology: Topology,
  listener: Listener,
  host: string,
  port: number,
): Promise<string[]> {
  await send(topology, host, '::1', port, 'done', 1)
  await listener.first('done')
  const done = listener.received.findIndex((r) => r.text === 'done')
  return listener.received
    .slice(0, done)
    .filter((r) => r.text === 'x')
    .map((r) => r.from)
}

describe.skipIf(unavailable !== undefined)(
  `topology${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let topology: Topology | undefined
    afterEach(async () => {
      for (const child of children.splice(0)) child.kill()
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
      const relay = topology.host('relay')
      const atRelay = await listen(topology, 'relay', 5000)
      // masquerade: the relay sees alice at her router's public address
      await send(topology, 'alice', relay.address, 5000, 'x')
      expect(await atRelay.first('x')).toBe(alice.publicAddress)
      // masquerade filters unsolicited inbound traffic: the relay's "x" never reaches alice
      const atAlice = await listen(topology, 'alice', 5000)
      await send(topology, 'relay', alice.publicAddress, 5000, 'x')
      expect(await xBeforeDone(topology, atAlice, 'alice', 5000)).toEqual([])
      // while the relay's answer to alice's own datagram comes back through the mapping it opened
      atAlice.send(relay.address, 5000, 'hello')
      expect(await atAlice.first('answer')).toBe(relay.address)
      // port-forward lets it through
      const atBob = await listen(topology, 'bob', 5001)
      await send(topology, 'relay', topology.host('bob').publicAddress, 5001, 'x')
      expect(await atBob.first('x')).toBe(relay.address)
      // a cut link drops alice's traffic; healed, it flows again
      const afterCut = await listen(topology, 'relay', 5002)
      await topology.cutLink('a')
      await send(topology, 'alice', relay.address, 5002, 'x')
      expect(await xBeforeDone(topology, afterCut, 'relay', 5002)).toEqual([])
      await topology.healLink('a')
      await send(topology, 'alice', relay.address, 5002, 'y')
      expect(await afterCut.first('y')).toBe(alice.publicAddress)
    })

    it('partition() cuts the public segment between groups only; healPartition() restores it', async () => {
      const t = await createTopology({ publicHosts: ['a1', 'a2', 'b1'] })
      topology = t
      const a1 = t.host('a1').address
      const a2 = t.host('a2').address
      const b1 = t.host('b1').address
      const atB1 = await listen(topology, 'b1', 5000)
      const atA2 = await listen(topology, 'a2', 5000)
      await topology.partition([['a1', 'a2'], ['b1']])
      // across the groups: dropped; within a group: through
      await send(topology, 'a1', b1, 5000, 'x')
      await send(topology, 'b1', a2, 5000, 'x')
      expect(await xBeforeDone(topology, atB1, 'b1', 5000)).toEqual([])
      expect(await xBeforeDone(topology, atA2, 'a2', 5000)).toEqual([])
      await send(topology, 'a1', a2, 5000, 'y')
      expect(await atA2.first('y')).toBe(a1)
      await topology.healPartition()
      await send(topology, 'a1', b1, 5000, 'y')
      expect(await atB1.first('y')).toBe(a1)
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
