// IPv4 next to the IPv6 topology: UPnP IGD and NAT-PMP map IPv4 ports only.
import type { NatType } from './topology.js'

/**
 * The public IPv4 segment, `11.0.0.0/24`. Not a reserved range, on purpose: Debian's miniupnpd
 * (2.3.1) refuses to forward anything when its WAN address is in any IANA special-purpose block,
 * the documentation ranges included ("Reserved / private IP address ... Port forwarding is
 * impossible"), and has no option to allow it (`ext_ip=` is refused the same way; 2.3.1 has no
 * `ext_allow_private_ipv4`); @libp2p/upnp-nat too refuses a private external address (a double
 * NAT). The address exists only inside the topology's namespaces, which have no link to the host's
 * network and no default route, so nothing outside can be reached through it.
 */
export const PUBLIC_PREFIX4 = '11.0.0'

/** A public host's IPv4 address (`index` counts public hosts from 0). */
export function publicHostAddress4(index: number): string {
  return `${PUBLIC_PREFIX4}.${100 + index}`
}

/** A LAN router's WAN IPv4 address (`index` counts LANs from 0). */
export function routerWanAddress4(index: number): string {
  return `${PUBLIC_PREFIX4}.${10 + index}`
}

/** A LAN's IPv4 subnet prefix (`192.168.<n>`; router `.1`, hosts from `.2`), `index` from 0. */
export function lanPrefix4(index: number): string {
  return `192.168.${index + 1}`
}

/**
 * The router's IPv4 NAT, the same per NAT type as the IPv6 one (`upnp` NATs like `masquerade`;
 * miniupnpd adds its forwards in its own table, see upnp-gateway.ts), and no answer to anything
 * unsolicited from the WAN.
 */
export function natRuleset4(
  nat: NatType,
  lanHost: string | undefined,
  forward: { udp: number[]; tcp: number[] },
): string {
  const dnat: string[] = []
  if (nat === 'port-forward' && lanHost !== undefined) {
    for (const port of forward.udp) dnat.push(`iifname "wan0" udp dport ${port} dnat to ${lanHost}:${port}`)
    for (const port of forward.tcp) dnat.push(`iifname "wan0" tcp dport ${port} dnat to ${lanHost}:${port}`)
  }
  return [
    'table ip netlab4 {',
    '  chain prerouting {',
    '    type nat hook prerouting priority -100;',
    ...dnat.map((rule) => `    ${rule}`),
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority 100;',
    `    oifname "wan0" ${nat === 'symmetric' ? 'masquerade random' : 'masquerade'}`,
    '  }',
    '  chain forward {',
    '    type filter hook forward priority 0; policy drop;',
    '    ct state established,related accept',
    '    iifname "lan0" oifname "wan0" accept',
    // forwarded ports and miniupnpd's mappings (both DNAT)
    '    iifname "wan0" ct status dnat accept',
    '  }',
    '  chain input {',
    '    type filter hook input priority 0; policy drop;',
    '    ct state established,related accept',
    '    iifname { "lo", "lan0" } accept',
    '    icmp type echo-request accept',
    '  }',
    '}',
    '',
  ].join('\n')
}
