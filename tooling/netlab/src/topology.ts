import { lanPrefix4, natRuleset4, publicHostAddress4, routerWanAddress4 } from './ipv4.js'
import { openNamespaceSet } from './namespaces.js'
import { type NetlabNode, type SpawnNodeOptions, spawnNode } from './node-process.js'
import { run } from './shell.js'
import { MINIUPNPD_CHAINS, startUpnpGateway, type UpnpGateway } from './upnp-gateway.js'

/**
 * How a LAN's router translates:
 * - `masquerade`: Linux `masquerade` (port-preserving, endpoint-independent mapping; conntrack
 *   admits only replies from the exact remote endpoint), the common home/cloud NAT.
 * - `symmetric`: `masquerade random` (a fresh random source port per flow): no mapping can be predicted.
 * - `port-forward`: masquerade plus inbound forwarding of `forwardPorts` to the LAN's first host
 *   (an operator who opened the ports: the host is reachable at the router's public address).
 * - `upnp`: masquerade plus a UPnP IGD / NAT-PMP gateway (miniupnpd) on the LAN side that forwards
 *   what its LAN hosts ask for (IPv4 only; turns the topology's IPv4 on).
 */
export type NatType = 'masquerade' | 'symmetric' | 'port-forward' | 'upnp'

/** A topology: one public segment (a bridge in its own namespace) and NATed LANs hanging off it. */
export interface TopologySpec {
  /** Hosts directly on the public segment (relays, bootstrap nodes). */
  publicHosts: string[]
  /**
   * Also give every host and router an IPv4 address (public segment `11.0.0.0/24`, LANs
   * `192.168.<n>.0/24`, the same NAT per type). @default true when a LAN's `nat` is `upnp`, else false
   */
  ipv4?: boolean
  /** Private LANs, each behind its own NAT router on the public segment. */
  lans?: Array<{
    name: string
    nat: NatType
    hosts: string[]
    /** For `port-forward`: ports forwarded to the first host. @default { udp: [4001], tcp: [4002] } */
    forwardPorts?: { udp?: number[]; tcp?: number[] }
  }>
}

/** One host of a topology. */
export interface HostInfo {
  name: string
  namespace: string
  /** Its own address (public for public hosts, ULA fd00::/8 inside a LAN). */
  address: string
  /** The address others on the public segment see it at (its router's WAN address inside a LAN). */
  publicAddress: string
  /** The LAN it is in, or undefined on the public segment. */
  lan: string | undefined
  /** With IPv4 (see {@link TopologySpec.ipv4}): its own IPv4 address, and where the public segment sees it. */
  address4?: string
  publicAddress4?: string
}

/** A running topology. `destroy()` removes every namespace (and with them every link) it made. */
export interface Topology {
  /** The prefix of every namespace of this topology (`dnl<pid>x<n>-`). */
  readonly prefix: string
  readonly hosts: ReadonlyMap<string, HostInfo>
  /** Every namespace this topology created. */
  readonly namespaces: readonly string[]
  host(name: string): HostInfo
  /** Runs a command inside a host's (or any created) namespace; resolves with stdout. */
  exec(hostOrNamespace: string, command: string[]): Promise<string>
  /** Starts a @depin/pubsub node process on a host. Stopped by `destroy()`. */
  spawnNode(host: string, options: SpawnNodeOptions): Promise<NetlabNode>
  /**
   * Cuts the uplink of a host or of a LAN (its router's WAN link) by taking the upstream end of its
   * veth down: the carrier drops, nothing is delivered either way, addresses stay.
   */
  cutLink(hostOrLan: string): Promise<void>
  /** Restores a link cut by {@link Topology.cutLink}. */
  healLink(hostOrLan: string): Promise<void>
  /**
   * Splits the public segment: an nftables filter on its bridge drops every frame between the
   * uplinks of different groups (public hosts or whole LANs), both ways, whatever the address
   * (link-local too); within a group, and to anything in no group, traffic flows. Links stay up
   * (no carrier loss): connections across die only by their own timeouts. Replaces any earlier
   * partition.
   */
  partition(groups: ReadonlyArray<readonly string[]>): Promise<void>
  /** Removes the partition made by {@link Topology.partition} (no-op without one). */
  healPartition(): Promise<void>
  /** The UPnP gateway (miniupnpd) of a LAN whose `nat` is `upnp`: its mappings and log. */
  gateway(lan: string): UpnpGateway
  /** Stops every node and deletes every namespace. Idempotent; also runs on process exit and signals. */
  destroy(): Promise<void>
}

/** The public segment: RFC 9637 IPv6 documentation space (3fff::/20), which libp2p counts as public. */
export const PUBLIC_PREFIX = '3fff:0:d'
/** The LANs: ULA (fd00::/8), private for libp2p. */
const LAN_PREFIX = 'fd00:0'

function ns(prefix: string, name: string): string {
  return `${prefix}${name}`
}

function sysctls(router: boolean): string[] {
  // No duplicate address detection (addresses usable at once), keep addresses when a link goes
  // down (cut/heal), no router advertisements from the outside world (there is none).
  const settings = [
    'net.ipv6.conf.all.accept_dad=0',
    'net.ipv6.conf.default.accept_dad=0',
    'net.ipv6.conf.all.keep_addr_on_down=1',
    'net.ipv6.conf.default.keep_addr_on_down=1',
    'net.ipv6.conf.default.accept_ra=0',
  ]
  if (router) settings.push('net.ipv6.conf.all.forwarding=1', 'net.ipv4.ip_forward=1')
  return ['sysctl', '-q', '-w', ...settings]
}

function natRuleset(
  nat: NatType,
  lanHost: string | undefined,
  forward: { udp: number[]; tcp: number[] },
): string {
  const masquerade = nat === 'symmetric' ? 'masquerade random' : 'masquerade'
  const dnat: string[] = []
  const admitDnat: string[] = []
  if (nat === 'port-forward' && lanHost !== undefined) {
    for (const port of forward.udp) dnat.push(`iifname "wan0" udp dport ${port} dnat to [${lanHost}]:${port}`)
    for (const port of forward.tcp) dnat.push(`iifname "wan0" tcp dport ${port} dnat to [${lanHost}]:${port}`)
    admitDnat.push('iifname "wan0" ct status dnat accept')
  }
  return [
    'table ip6 netlab {',
    '  chain prerouting {',
    '    type nat hook prerouting priority -100;',
    ...dnat.map((rule) => `    ${rule}`),
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority 100;',
    `    oifname "wan0" ${masquerade}`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority 0; policy drop;',
    '    ct state established,related accept',
    '    iifname "lan0" oifname "wan0" accept',
    ...admitDnat.map((rule) => `    ${rule}`),
    '  }',
    // Like a home router, the router itself answers nothing unsolicited from the WAN (no RST): a
    // refused SYN would leave a conntrack entry on the router's own address and port, and the NAT
    // would then map the LAN host's next dial to that peer to another port (no hole punched).
    '  chain input {',
    '    type filter hook input priority 0; policy drop;',
    '    ct state established,related accept',
    '    iifname { "lo", "lan0" } accept',
    '    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert, echo-request } accept',
    '  }',
    '}',
    '',
  ].join('\n')
}

/**
 * Builds a topology of network namespaces on this machine (root only): an "internet" namespace
 * holding the public bridge, one namespace per public host, and per LAN a NAT router namespace
 * (nftables) with its hosts behind it. Only addresses inside these namespaces exist there, and
 * nothing links them to the host's own network, so nothing else can ever be dialed.
 *
 * @example
 * const topology = await createTopology({
 *   publicHosts: ['relay'],
 *   lans: [{ name: 'a', nat: 'masquerade', hosts: ['alice'] }, { name: 'b', nat: 'masquerade', hosts: ['bob'] }],
 * })
 * try {
 *   const relay = await topology.spawnNode('relay', { secretKey, databaseName: 'db', registry })
 *   await topology.cutLink('a') // alice's LAN loses its uplink
 * } finally {
 *   await topology.destroy()
 * }
 */
export async function createTopology(spec: TopologySpec): Promise<Topology> {
  const state = await openNamespaceSet()
  const { prefix } = state
  const nodes = new Set<NetlabNode>()
  const hosts = new Map<string, HostInfo>()
  // uplink of each host or LAN: [namespace holding the upstream end, interface name]
  const uplinks = new Map<string, [string, string]>()
  const inet = ns(prefix, 'inet')
  const ipv4 = spec.ipv4 ?? (spec.lans ?? []).some((lan) => lan.nat === 'upnp')
  const gateways = new Map<string, UpnpGateway>()
  let destroyed: Promise<void> | undefined

  const destroy = (): Promise<void> => {
    destroyed ??= (async () => {
      await Promise.all([...nodes].map((node) => node.stop().catch(() => node.kill())))
      await Promise.all([...gateways.values()].map((gateway) => gateway.stop()))
      await state.release()
    })()
    return destroyed
  }

  const addNamespace = async (name: string, router: boolean): Promise<void> => {
    await run('ip', ['netns', 'add', name])
    state.namespaces.push(name)
    await run('ip', ['netns', 'exec', name, ...sysctls(router)])
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up'])
  }
  const batch = (namespace: string, lines: string[]): Promise<string> =>
    run('ip', ['-n', namespace, '-b', '-'], `${lines.join('\n')}\n`)

  try {
    const names = [...spec.publicHosts, ...(spec.lans ?? []).flatMap((lan) => [lan.name, ...lan.hosts])]
    for (const name of names) {
      if (!/^[a-z][a-z0-9]{0,15}$/.test(name)) {
        throw new Error(`host/LAN name ${JSON.stringify(name)} must be 1-16 lowercase letters/digits`)
      }
    }
    if (new Set(names).size !== names.length) throw new Error('host and LAN names must be unique')

    await addNamespace(inet, false)
    const inetLines = ['link add br0 type bridge mcast_snooping 0', 'link set br0 up']
    let port = 0
    // Everything with a port on the public bridge: public hosts and LAN routers.
    const upstream: Array<{ namespace: string; key: string; router: boolean }> = [
      ...spec.publicHosts.map((h) => ({ namespace: ns(prefix, h), key: h, router: false })),
      ...(spec.lans ?? []).map((lan) => ({
        namespace: ns(prefix, `nat-${lan.name}`),
        key: lan.name,
        router: true,
      })),
    ]
    for (const { namespace, key, router } of upstream) {
      await addNamespace(namespace, router)
      const ifname = `u${port++}`
      uplinks.set(key, [inet, ifname])
      inetLines.push(
        `link add ${ifname} type veth peer name wan0 netns ${namespace}`,
        `link set ${ifname} master br0`,
        `link set ${ifname} up`,
      )
    }
    await batch(inet, inetLines)

    let wanIndex = 0x10
    let publicIndex = 0x100
    for (const host of spec.publicHosts) {
      const namespace = ns(prefix, host)
      const address = `${PUBLIC_PREFIX}::${(publicIndex++).toString(16)}`
      const address4 = ipv4 ? publicHostAddress4(spec.publicHosts.indexOf(host)) : undefined
      await batch(namespace, [
        'link set wan0 up',
        `addr add ${address}/64 dev wan0 nodad`,
        ...(address4 === undefined ? [] : [`addr add ${address4}/24 dev wan0`]),
      ])
      const info4 = address4 === undefined ? {} : { address4, publicAddress4: address4 }
      hosts.set(host, { name: host, namespace, address, publicAddress: address, lan: undefined, ...info4 })
    }
    let lanIndex = 1
    for (const lan of spec.lans ?? []) {
      const router = ns(prefix, `nat-${lan.name}`)
      const wan = `${PUBLIC_PREFIX}::${(wanIndex++).toString(16)}`
      const subnet = `${LAN_PREFIX}:${(lanIndex++).toString(16)}`
      const routerLines = [
        'link set wan0 up',
        `addr add ${wan}/64 dev wan0 nodad`,
        'link add lan0 type bridge mcast_snooping 0',
        'link set lan0 up',
        `addr add ${subnet}::1/64 dev lan0 nodad`,
      ]
      if (lan.nat === 'upnp' && !ipv4) throw new Error(`LAN ${lan.name}: nat 'upnp' needs ipv4`)
      const lanIndex4 = (spec.lans ?? []).indexOf(lan)
      const v4 = ipv4 ? { wan: routerWanAddress4(lanIndex4), prefix: lanPrefix4(lanIndex4) } : undefined
      if (v4 !== undefined) {
        routerLines.push(`addr add ${v4.wan}/24 dev wan0`, `addr add ${v4.prefix}.1/24 dev lan0`)
      }
      const lanHosts: string[] = []
      for (const [i, host] of lan.hosts.entries()) {
        const namespace = ns(prefix, host)
        await addNamespace(namespace, false)
        const ifname = `h${i}`
        routerLines.push(
          `link add ${ifname} type veth peer name eth0 netns ${namespace}`,
          `link set ${ifname} master lan0`,
          `link set ${ifname} up`,
        )
        uplinks.set(host, [router, ifname])
        const address = `${subnet}::${(i + 2).toString(16)}`
        lanHosts.push(address)
        const info4 = v4 === undefined ? {} : { address4: `${v4.prefix}.${i + 2}`, publicAddress4: v4.wan }
        hosts.set(host, { name: host, namespace, address, publicAddress: wan, lan: lan.name, ...info4 })
      }
      await batch(router, routerLines)
      for (const host of lan.hosts) {
        const info = hosts.get(host) as HostInfo
        await batch(info.namespace, [
          'link set eth0 up',
          `addr add ${info.address}/64 dev eth0 nodad`,
          `route add default via ${subnet}::1 dev eth0`,
          ...(v4 === undefined
            ? []
            : [`addr add ${info.address4}/24 dev eth0`, `route add default via ${v4.prefix}.1 dev eth0`]),
        ])
      }
      const forward = { udp: lan.forwardPorts?.udp ?? [4001], tcp: lan.forwardPorts?.tcp ?? [4002] }
      await run('ip', ['netns', 'exec', router, 'nft', '-f', '-'], natRuleset(lan.nat, lanHosts[0], forward))
      if (v4 !== undefined) {
        const first4 = hosts.get(lan.hosts[0] ?? '')?.address4
        const ruleset = natRuleset4(lan.nat, first4, forward) + (lan.nat === 'upnp' ? MINIUPNPD_CHAINS : '')
        await run('ip', ['netns', 'exec', router, 'nft', '-f', '-'], ruleset)
      }
      if (lan.nat === 'upnp' && v4 !== undefined) {
        const gateway = await startUpnpGateway(router, v4.prefix, v4.wan)
        gateways.set(lan.name, gateway)
        state.pids.add(gateway.pid)
      }
    }
  } catch (err) {
    await destroy()
    throw err
  }

  const resolveNamespace = (hostOrNamespace: string): string => {
    if (state.namespaces.includes(hostOrNamespace)) return hostOrNamespace
    const info = hosts.get(hostOrNamespace)
    if (info === undefined) throw new Error(`no host or namespace ${hostOrNamespace} in this topology`)
    return info.namespace
  }
  const setLink = async (hostOrLan: string, up: boolean): Promise<void> => {
    const uplink = uplinks.get(hostOrLan)
    if (uplink === undefined) throw new Error(`no host or LAN ${hostOrLan} in this topology`)
    await run('ip', ['-n', uplink[0], 'link', 'set', uplink[1], up ? 'up' : 'down'])
  }

  // Creating the table first makes `delete` valid whether or not a partition exists.
  const dropPartition = 'table bridge netlab_partition\ndelete table bridge netlab_partition\n'
  const partition = async (groups: ReadonlyArray<readonly string[]>): Promise<void> => {
    const ports = groups.map((group) =>
      group.map((name) => {
        const uplink = uplinks.get(name)
        if (uplink === undefined || uplink[0] !== inet) {
          throw new Error(`partition: ${name} is not a public host or a LAN of this topology`)
        }
        return `"${uplink[1]}"`
      }),
    )
    const rules: string[] = []
    for (const [i, from] of ports.entries()) {
      for (const [j, to] of ports.entries()) {
        if (i !== j && from.length > 0 && to.length > 0)
          rules.push(`    iifname { ${from.join(', ')} } oifname { ${to.join(', ')} } drop`)
      }
    }
    const ruleset = [
      'table bridge netlab_partition {',
      '  chain forward {',
      '    type filter hook forward priority 0; policy accept;',
      ...rules,
      '  }',
      '}',
      '',
    ].join('\n')
    await run('ip', ['netns', 'exec', inet, 'nft', '-f', '-'], dropPartition + ruleset)
  }

  return {
    prefix,
    hosts,
    get namespaces() {
      return state.namespaces
    },
    host(name) {
      const info = hosts.get(name)
      if (info === undefined) throw new Error(`no host ${name} in this topology`)
      return info
    },
    exec(hostOrNamespace, command) {
      const [file, ...args] = command
      if (file === undefined) return Promise.reject(new Error('exec: empty command'))
      return run('ip', ['netns', 'exec', resolveNamespace(hostOrNamespace), file, ...args])
    },
    async spawnNode(host, options) {
      if (destroyed !== undefined) throw new Error('topology destroyed')
      const namespace = resolveNamespace(host)
      const node = await spawnNode(host, namespace, options)
      nodes.add(node)
      state.pids.add(node.pid)
      return node
    },
    cutLink: (hostOrLan) => setLink(hostOrLan, false),
    healLink: (hostOrLan) => setLink(hostOrLan, true),
    partition,
    gateway(lan) {
      const gateway = gateways.get(lan)
      if (gateway === undefined) throw new Error(`no LAN ${lan} with nat 'upnp' in this topology`)
      return gateway
    },
    healPartition: async () => {
      await run('ip', ['netns', 'exec', inet, 'nft', '-f', '-'], dropPartition)
    },
    destroy,
  }
}
