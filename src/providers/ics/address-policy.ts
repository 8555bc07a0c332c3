import { BlockList, isIP } from "node:net";

/**
 * Which network addresses a feed URL may reach. Calbridge fetches URLs that tenants type in, so without this a
 * URL could probe the service's own network (SSRF): loopback, private, link-local, carrier-grade NAT, multicast,
 * documentation and other special-purpose ranges are refused unless an operator allow-lists them
 * (ICS_FEED_ALLOW: host names, IPs or CIDR ranges), e.g. for intranet feeds and tests.
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
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
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

/** `::ffff:10.0.0.1` is IPv4 in disguise: judge the embedded address. */
function unmapped(address: string): { address: string; family: "ipv4" | "ipv6" } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, family: "ipv4" };
  return { address, family: isIP(address) === 6 ? "ipv6" : "ipv4" };
}

export interface AddressPolicy {
  /** A reason when the address may not be reached, or null when it may. */
  checkAddress(address: string): string | null;
  /** Whether the host name itself is allow-listed (then its addresses are not checked). */
  hostAllowed(hostname: string): boolean;
}

export function createAddressPolicy(allow: readonly string[]): AddressPolicy {
  const allowedNets = new BlockList();
  const allowedHosts = new Set<string>();
  for (const entry of allow) {
    const [network, prefixText] = entry.split("/");
    const family = isIP(network ?? "");
    if (family !== 0) {
      const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
      allowedNets.addSubnet(network!, prefix, family === 4 ? "ipv4" : "ipv6");
    } else {
      allowedHosts.add(entry.toLowerCase());
    }
  }
  return {
    checkAddress(raw) {
      const { address, family } = unmapped(raw.replace(/^\[|\]$/g, ""));
      if (isIP(address) === 0) return `"${raw}" is not an IP address`;
      if (allowedNets.check(address, family)) return null;
      if (forbidden.check(address, family))
        return `the address ${raw} is internal (loopback, private or reserved)`;
      return null;
    },
    hostAllowed(hostname) {
      return allowedHosts.has(hostname.toLowerCase().replace(/^\[|\]$/g, ""));
    },
  };
}
