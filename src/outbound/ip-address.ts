import { isIP } from "node:net";

export interface IpAddress {
  /** Canonical text: dotted decimal for IPv4, compressed lower-case hex for IPv6. */
  address: string;
  family: "ipv4" | "ipv6";
}

/**
 * The IP address a URL host or a resolver answer stands for, in canonical form, or undefined for a host name.
 * Accepts every form the WHATWG URL parser turns into an address (`127.1`, `0x7f.0.0.1`, `0177.0.0.1`,
 * `2130706433`, `[::1]`, `[::ffff:127.0.0.1]`), so a policy never judges a spelling the connection would not use.
 */
export function parseIpAddress(host: string): IpAddress | undefined {
  // Resolver answers for link-local IPv6 may carry a zone (`fe80::1%eth0`); the zone does not change the range.
  const bare = host.replace(/^\[(.*)\]$/, "$1").replace(/%[^%]*$/, "");
  if (isIP(bare) === 4) return { address: bare, family: "ipv4" };
  if (isIP(bare) === 6) {
    // Through the URL parser: `::FFFF:127.0.0.1` and `0:0:0:0:0:ffff:7f00:1` come out the same.
    return { address: new URL(`http://[${bare}]/`).hostname.slice(1, -1), family: "ipv6" };
  }
  // Numeric IPv4 shorthands (RFC 3986 doesn't have them; WHATWG URL and inet_aton do).
  if (/^[0-9a-fx.]+$/i.test(bare) && /[0-9]/.test(bare)) {
    try {
      const hostname = new URL(`http://${bare}/`).hostname;
      if (isIP(hostname) === 4) return { address: hostname, family: "ipv4" };
    } catch {
      // Not an address (e.g. 1.2.3.256): the URL holding it could not have been parsed either.
    }
  }
  return undefined;
}

/** The eight 16-bit groups of a canonical IPv6 address. */
function ipv6Groups(address: string): number[] {
  const [head = "", tail] = address.split("::");
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/**
 * The IPv4 address inside an IPv6 form that reaches it: IPv4-mapped `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2), SIIT's
 * `::ffff:0:a.b.c.d` (RFC 6052 §2.1) and the NAT64 well-known prefix `64:ff9b::/96` (RFC 6052 §2.1, what DNS64
 * answers with on IPv6-only networks): a connection there ends up at the IPv4 address, so that is what is judged.
 */
export function embeddedIpv4(address: IpAddress): IpAddress | undefined {
  if (address.family !== "ipv6") return undefined;
  const g = ipv6Groups(address.address);
  const zeros = (from: number, to: number) => g.slice(from, to).every((group) => group === 0);
  const mapped = zeros(0, 5) && g[5] === 0xffff;
  const siit = zeros(0, 4) && g[4] === 0xffff && g[5] === 0;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6);
  if (!mapped && !siit && !nat64) return undefined;
  const high = g[6] ?? 0;
  const low = g[7] ?? 0;
  return { address: [high >> 8, high & 0xff, low >> 8, low & 0xff].join("."), family: "ipv4" };
}
