// The testnet at scale, through its CLI: many nodes in worker threads of a few host processes, and
// the degree band. Figures (times, CPU, memory) belong to the scale bench; these assert outcomes.
import { describe, expect, test } from 'vitest'
import { failed, runCli } from './helpers.js'

// A node may be above its band's high mark only while connections are young (10 s of grace with
// fast timings), plus a stats report and a trim: the nodes closest to the rendezvous key take the
// connections of every DHT lookup, and trim them once they are old enough. While a large network
// is still starting, those lookups keep coming and such a node stays above its high mark for as
// long (its mesh peers are not closed to make room for them): the 100-node run counts from 20 s
// after the mesh has formed (`--idle 20`).
const GRACE_AND_SLACK_MS = 15_000

// The 100-node run takes ~85-95 s on a 2-core machine, in the suite's sequential group (nothing else
// loads the cores meanwhile): 15 s to start, 30-45 s to form the mesh, 20 s idle, 10 s counted.
describe('testnet at scale', () => {
  test('100 nodes in host processes: every node ready, every event delivered, intruders refused, peers kept in the band', async () => {
    const run = await runCli(
      [
        ...['--nodes', '100', '--intruders', '2', '--transport', 'quic', '--topics', '1'],
        ...['--duration', '10', '--idle', '20', '--rate', '0.1', '--size', '16', '--degree', '12-24'],
      ],
      { timeoutMs: 400_000 },
    )
    expect(run.code, failed(run)).toBe(0)
    const report = run.report
    expect(run.stdout).toMatch(/\d+ host processes of \d+ worker threads?, up to \d+ nodes each/)
    expect(report?.nodes).toHaveLength(100)
    expect(report?.nodes.every((n) => n.ready)).toBe(true)
    expect(report?.totals.published).toBeGreaterThan(0)
    expect(report?.totals.missing).toBe(0)
    expect(report?.intruders.every((i) => i.refused > 0 && i.acceptedBy.length === 0)).toBe(true)
    // Without the trimmer, nodes keep most of the peers their DHT queries reach, for good.
    expect(report?.totals.highMark).toBe(24)
    expect(report?.totals.longestAboveHighMs, failed(run)).toBeLessThanOrEqual(GRACE_AND_SLACK_MS)
    expect(report?.totals.peersPerNode.min).toBeGreaterThanOrEqual(1)
    // Every node on its own loopback address.
    const hosts = new Set(report?.nodes.map((n) => new URL(n.metricsUrl ?? 'http://x').hostname))
    expect(hosts.size).toBe(100)
  }, 420_000)

  test('degree band 8-16 over 30 nodes: no node stays above 16 peers longer than the grace period, and the network stays connected', async () => {
    const run = await runCli(
      [
        ...['--nodes', '30', '--intruders', '0', '--transport', 'quic', '--topics', '1'],
        ...['--duration', '6', '--rate', '0.5', '--size', '16', '--degree', '8-16'],
      ],
      { timeoutMs: 240_000 },
    )
    const report = run.report
    const totals = report?.totals
    expect(totals?.highMark, failed(run)).toBe(16)
    expect(totals?.longestAboveHighMs, failed(run)).toBeLessThanOrEqual(GRACE_AND_SLACK_MS)
    expect(totals?.peersPerNode.min).toBeGreaterThanOrEqual(1)
    // The churn behind the band: every node opened at least the connections it holds, and the
    // trimmer closed some (the bootstrap node alone takes a connection from each of the 29 others).
    const short = report?.nodes.filter((n) => n.connectionsOpened < n.peers).map((n) => n.label)
    expect(short, failed(run)).toEqual([])
    expect(totals?.connectionsOpenedPerNode.min).toBeGreaterThanOrEqual(1)
    expect(report?.nodes.reduce((sum, n) => sum + n.connectionsTrimmed, 0)).toBeGreaterThan(0)
    // Connected: the mesh formed (every node heard every other) and every node is ready at the end.
    // A band this small (low 8 against GossipSub's Dhi of 12) trims mesh links while events are in
    // flight: a few of the ~2,500 deliveries can miss (6 in one CI run), so delivery is held to
    // 99%, not to every event.
    expect(report?.checks.find((c) => c.name === 'every node ready')?.ok, failed(run)).toBe(true)
    expect(report?.phases).toHaveLength(1)
    expect(totals?.published).toBeGreaterThan(0)
    expect(totals?.deliveredRatio, failed(run)).toBeGreaterThanOrEqual(0.99)
  }, 260_000)
})
