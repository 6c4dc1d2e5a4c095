import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { type GeneratedWallet, generateWallets, waitFor } from '@depin/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest'
import { builtGoBinary, GO_MODULE_DIR, GO_SKIP_REASON } from './helpers/go-binary.js'
import { type GoLine, type GoNode, IP_COMMAND, startGoNode, startJsonLineProcess } from './helpers/go-node.js'

// The Go implementation runs go-libp2p's *dual* DHT: its WAN half (/ipfs/kad/1.0.0) keeps public
// addresses only, its LAN half (/ipfs/lan/kad/1.0.0) private ones and drops loopback. So on a
// private datacenter network, Go nodes find rendezvous records only on the LAN DHT, and on
// 127.0.0.1 on neither. This test runs Go nodes with the Go implementation's dual DHT and a
// connect() node on 10.254.0.x addresses inside a network namespace of its own (all traffic stays
// in it).

const NETNS = `depin-interop-${process.pid}`
const HOSTS = ['10.254.0.1', '10.254.0.2', '10.254.0.3'] as const

function ip(...args: string[]): { ok: boolean; error: string } {
  const r = spawnSync(IP_COMMAND, args, { encoding: 'utf8', timeout: 10_000 })
  return { ok: r.status === 0, error: (r.stderr ?? String(r.error ?? '')).trim() }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Whether this process may create network namespaces (root with iproute2, as on CI). */
function netnsSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux'
  if (process.getuid?.() !== 0) return 'creating a network namespace needs root'
  const probe = `${NETNS}-probe`
  const added = ip('netns', 'add', probe)
  if (!added.ok) return `cannot create a network namespace (ip netns add: ${added.error || 'failed'})`
  ip('netns', 'delete', probe)
  return undefined
}

const SKIP_REASON = GO_SKIP_REASON ?? netnsSkipReason()
const suite =
  SKIP_REASON === undefined
    ? 'Go interop: private network (dual DHT)'
    : `Go interop: private network (dual DHT) (skipped: ${SKIP_REASON})`
const FACADE_NODE = join(GO_MODULE_DIR, 'test', 'fixtures', 'facade-node.mjs')

describe.skipIf(SKIP_REASON !== undefined)(suite, () => {
  let binary = ''
  const nodes: GoNode[] = []

  beforeAll(() => {
    binary = builtGoBinary(inject('interopGo'))
    // Namespaces left by a run that was killed (its pid is gone) are removed, never another's.
    const listed =
      spawnSync(IP_COMMAND, ['netns', 'list'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? ''
    for (const m of listed.matchAll(/^depin-interop-(\d+)\b/gm)) {
      if (!isAlive(Number(m[1]))) ip('netns', 'delete', m[0])
    }
    ip('netns', 'delete', NETNS) // a leftover of an earlier process with our pid
    for (const args of [
      ['netns', 'add', NETNS],
      ['netns', 'exec', NETNS, 'ip', 'link', 'set', 'lo', 'up'],
      ...HOSTS.map((h) => ['netns', 'exec', NETNS, 'ip', 'addr', 'add', `${h}/32`, 'dev', 'lo']),
    ]) {
      const r = ip(...args)
      if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.error}`)
    }
  })

  afterEach(async () => {
    await Promise.allSettled(nodes.splice(0).map((n) => n.stop()))
  })

  afterAll(() => {
    ip('netns', 'delete', NETNS)
  })

  const goDual = async (
    wallet: GeneratedWallet,
    host: string,
    init: { db: string; authorized: string[]; args?: string[] },
  ) => {
    const node = await startGoNode({
      binary,
      netns: NETNS,
      secretKey: wallet.secretKeyBase58,
      db: init.db,
      authorized: init.authorized,
      args: ['--listen-host', host, '--dht', 'dual', ...(init.args ?? [])],
    })
    nodes.push(node)
    return node
  }
  const facadeNode = async (
    wallet: GeneratedWallet,
    host: string,
    init: { db: string; authorized: string[]; bootstrap: unknown[]; node?: unknown },
  ) => {
    const node = await startJsonLineProcess({
      command: process.execPath,
      args: [FACADE_NODE],
      netns: NETNS,
      env: {
        WALLET_PRIVATE_KEY: wallet.secretKeyBase58,
        FACADE_NODE: JSON.stringify({ ...init, listenHost: host }),
      },
      startTimeoutMs: 15_000,
    })
    nodes.push(node)
    return node
  }
  const bootstrapNodeOf = (node: GoNode, host: string) => ({
    publicKey: node.wallet,
    ip: host,
    quicPort: Number(/\/udp\/(\d+)\/quic-v1/.exec(node.addrs.join(' '))![1]),
    tcpPort: Number(/\/tcp\/(\d+)/.exec(node.addrs.join(' '))![1]),
  })
  const connectedTo = (peer: string) => (l: GoLine) =>
    l.type === 'peer' && l.event === 'connected' && l.peer === peer

  test.each(['go', 'ts'] as const)(
    'a Go node (dual DHT) and a connect() node sharing only a %s bootstrap node find each other through rendezvous on 10.254.0.x',
    async (bootstrapKind) => {
      const db = `private-${bootstrapKind}`
      const [bw, gw, tw] = generateWallets(3)
      const authorized = [bw!.wallet, gw!.wallet, tw!.wallet]
      const boot =
        bootstrapKind === 'go'
          ? await goDual(bw!, HOSTS[0], { db, authorized, args: ['--rendezvous=false'] })
          : await facadeNode(bw!, HOSTS[0], { db, authorized, bootstrap: [] })
      const bootstrapAddr = boot.addrs.find((a) => a.includes('/quic-v1/'))!
      const goNode = await goDual(gw!, HOSTS[1], { db, authorized, args: ['--bootstrap', bootstrapAddr] })
      const tsNode = await facadeNode(tw!, HOSTS[2], {
        db,
        authorized,
        bootstrap: [bootstrapNodeOf(boot, HOSTS[0])],
      })

      // The Go node's FindPeers (dual DHT) returns the connect() node's advertisement ...
      const discovered = await goNode.waitForLine(
        (l) => l.type === 'discovered' && l.peer === tsNode.peerId,
        {
          timeoutMs: 20_000,
          message: "the Go node to find connect()'s node at the rendezvous",
        },
      )
      expect((discovered.addrs as string[]).some((a) => a.startsWith(`/ip4/${HOSTS[2]}/`))).toBe(true)
      // ... and the two connect directly, on their private addresses.
      const goSide = await goNode.waitForLine(connectedTo(tsNode.peerId), {
        message: 'the Go node connected to connect()',
      })
      // Direct (no relay) on the namespace's private addresses (the dialer's source address is the kernel's pick).
      expect(goSide.remoteAddr).toMatch(/^\/ip4\/10\.254\.0\.\d+\/(udp|tcp)\/\d+(\/quic-v1)?$/)
      await tsNode.waitForLine(connectedTo(goNode.peerId), { message: 'connect() connected to the Go node' })
      await waitFor(() => goNode.lines.some((l) => l.type === 'advertise' && l.ok === true), {
        message: 'the Go node to advertise through the dual DHT',
      })
    },
    30_000,
  )
})
