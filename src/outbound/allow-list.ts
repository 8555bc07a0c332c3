import { isIP } from "node:net";

/** One OUTBOUND_ALLOW entry: a host name, or an address range (a single IP is a full-length prefix). */
export type AllowEntry =
  | { kind: "host"; name: string }
  | { kind: "network"; address: string; prefix: number; family: "ipv4" | "ipv6" };

/** RFC 1123 §2.1 labels: letters, digits and inner hyphens, 1 to 63 characters. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Parses one allow-list entry: a host name (RFC 1123), an IPv4 or IPv6 address (IPv6 bracketed or not) or a CIDR
 * range with a prefix in range. Strict on purpose: `127.1` or `10.0.0.0/33` is refused here rather than guessed at,
 * since a mistyped entry silently allowing (or not allowing) a network is worse than a start-up error.
 */
export function parseAllowEntry(
  raw: string,
): { ok: true; entry: AllowEntry } | { ok: false; message: string } {
  const entry = raw.trim();
  const invalid = (why: string) => ({ ok: false as const, message: `"${entry}" ${why}` });
  const slash = entry.lastIndexOf("/");
  const addressPart = (slash === -1 ? entry : entry.slice(0, slash)).replace(/^\[(.*)\]$/, "$1");
  const version = isIP(addressPart);
  if (entry.startsWith("[") && version !== 6) return invalid("is not a valid IPv6 address");
  if (slash !== -1) {
    if (version === 0) return invalid("is not a valid CIDR range (the part before / must be an IP address)");
    const max = version === 4 ? 32 : 128;
    const prefixText = entry.slice(slash + 1);
    const prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > max)
      return invalid(`is not a valid CIDR range (the prefix must be a number from 0 to ${max})`);
    return { ok: true, entry: { kind: "network", address: addressPart, prefix, family: ipv(version) } };
  }
  if (version !== 0)
    return {
      ok: true,
      entry: {
        kind: "network",
        address: addressPart,
        prefix: version === 4 ? 32 : 128,
        family: ipv(version),
      },
    };
  const name = entry.toLowerCase().replace(/\.$/, "");
  const labels = name.split(".");
  if (name.length > 253 || !labels.every((label) => LABEL.test(label)))
    return invalid("is not a valid host name, IP address or CIDR range");
  // A last label of digits makes the URL parser read the host as an IPv4 address (WHATWG URL "ends in a
  // number"): `127.1` or `10.1.1.300` can never be a host name, and is not a well-formed address either.
  if (/^(\d+|0x[0-9a-f]*)$/.test(labels.at(-1) ?? ""))
    return invalid("is not a valid IP address (write IPv4 as four decimal numbers, e.g. 10.0.0.1)");
  return { ok: true, entry: { kind: "host", name } };
}

function ipv(version: number): "ipv4" | "ipv6" {
  return version === 4 ? "ipv4" : "ipv6";
}

/** Splits a comma-separated allow-list variable into its entries. */
export function splitAllowList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
}
