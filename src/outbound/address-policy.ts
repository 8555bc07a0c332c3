import { BlockList } from "node:net";
import { type AllowEntry, parseAllowEntry } from "./allow-list.ts";
import { embeddedIpv4, parseIpAddress } from "./ip-address.ts";

/**
 * Which network addresses a URL a tenant gives (.ics feeds, webhook endpoints, CalDAV servers) may reach. Without
 * this a URL could probe the service's own network (SSRF): loopback, private, link-local, carrier-grade NAT,
 * multicast, documentation and other special-purpose ranges (IANA special-purpose registries, RFC 6890) are refused
 * unless an operator allow-lists them (OUTBOUND_ALLOW: host names, IPs or CIDR ranges), e.g. for intranet servers.
 */
const forbidden = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  forbidden.addSubnet(network, prefix, "ipv4");
}
// IPv6 forms that embed an IPv4 address (mapped, SIIT, NAT64 64:ff9b::/96) are judged by that address instead
// (see embeddedIpv4); the ranges below hold the rest: `::`, `::1` and the deprecated IPv4-compatible `::a.b.c.d`
// (::/96), and the embeddings whose IPv4 part sits elsewhere (local-use NAT64 64:ff9b:1::/48, 6to4 2002::/16,
// Teredo 2001::/32 in 2001::/23).
for (const [network, prefix] of [
  ["::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001::", 23],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  forbidden.addSubnet(network, prefix, "ipv6");
}

export interface AddressPolicy {
  /** Whether an address (any spelling: a URL host or a resolver answer) may be connected to. */
  allowsAddress(address: string): boolean;
  /** Whether the host name itself is allow-listed: then its addresses are not checked. */
  allowsHostName(hostname: string): boolean;
}

/** Builds the policy from allow-list entries; config.ts has validated them, so a bad one is a programmer error. */
export function createAddressPolicy(allow: readonly string[]): AddressPolicy {
  const allowedNets = new BlockList();
  const allowedHosts = new Set<string>();
  for (const raw of allow) {
    const parsed = parseAllowEntry(raw);
    if (!parsed.ok) throw new Error(`invalid allow-list entry: ${parsed.message}`);
    addEntry(parsed.entry, allowedNets, allowedHosts);
  }
  return {
    allowsAddress(raw) {
      const parsed = parseIpAddress(raw);
      if (!parsed) return false;
      const embedded = embeddedIpv4(parsed);
      // An allow-listed `127.0.0.1` allows `::ffff:127.0.0.1` too; an allow-listed IPv6 range matches as written.
      if (allowedNets.check(parsed.address, parsed.family)) return true;
      if (embedded && allowedNets.check(embedded.address, embedded.family)) return true;
      const judged = embedded ?? parsed;
      return !forbidden.check(judged.address, judged.family);
    },
    allowsHostName(hostname) {
      return allowedHosts.has(hostname.toLowerCase().replace(/\.$/, ""));
    },
  };
}

function addEntry(entry: AllowEntry, nets: BlockList, hosts: Set<string>): void {
  if (entry.kind === "host") hosts.add(entry.name);
  else nets.addSubnet(entry.address, entry.prefix, entry.family);
}
