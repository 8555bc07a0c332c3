import { describe, expect, it } from "vitest";
import { parseAllowEntry, splitAllowList } from "./allow-list.ts";

describe("allow-list entries", () => {
  it.each([
    ["10.0.0.0/8", { kind: "network", address: "10.0.0.0", prefix: 8, family: "ipv4" }],
    ["10.0.0.0/0", { kind: "network", address: "10.0.0.0", prefix: 0, family: "ipv4" }],
    ["127.0.0.1", { kind: "network", address: "127.0.0.1", prefix: 32, family: "ipv4" }],
    ["::1", { kind: "network", address: "::1", prefix: 128, family: "ipv6" }],
    ["[::1]", { kind: "network", address: "::1", prefix: 128, family: "ipv6" }],
    ["fd00::/8", { kind: "network", address: "fd00::", prefix: 8, family: "ipv6" }],
    ["[fd00::]/128", { kind: "network", address: "fd00::", prefix: 128, family: "ipv6" }],
    ["Intranet.Example.com", { kind: "host", name: "intranet.example.com" }],
    ["calendar.example.com.", { kind: "host", name: "calendar.example.com" }],
    ["localhost", { kind: "host", name: "localhost" }],
    ["3com.example", { kind: "host", name: "3com.example" }], // RFC 1123 allows a leading digit
  ])("accepts %s", (raw, entry) => {
    expect(parseAllowEntry(raw)).toEqual({ ok: true, entry });
  });

  it.each([
    [
      "10.0.0.0/33",
      /"10\.0\.0\.0\/33" is not a valid CIDR range \(the prefix must be a number from 0 to 32\)/,
    ],
    ["fd00::/129", /from 0 to 128/],
    ["10.0.0.0/", /not a valid CIDR/],
    ["10.0.0.0/-1", /not a valid CIDR/],
    ["10.0.0.0/8/8", /not a valid CIDR/],
    ["not a cidr/99", /"not a cidr\/99" is not a valid CIDR range/],
    ["example.com/24", /not a valid CIDR/],
    ["not a host", /"not a host" is not a valid host name/],
    ["-bad.example.com", /not a valid host name/],
    ["bad-.example.com", /not a valid host name/],
    ["under_score.example.com", /not a valid host name/],
    ["*.example.com", /not a valid host name/],
    [`${"a".repeat(64)}.example.com`, /not a valid host name/],
    ["127.1", /"127\.1" is not a valid IP address/],
    ["10.0.0.256", /not a valid IP address/],
    ["0x7f.0.0.1", /not a valid IP address/],
    ["[10.0.0.1]", /not a valid IPv6 address/],
    ["http://example.com", /not a valid/],
  ])("refuses %s, naming it", (raw, message) => {
    const parsed = parseAllowEntry(raw);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toMatch(message);
  });

  it("splits a comma-separated list, ignoring blanks", () => {
    expect(splitAllowList(" 10.0.0.0/8, ,intranet.example.com ,")).toEqual([
      "10.0.0.0/8",
      "intranet.example.com",
    ]);
    expect(splitAllowList(undefined)).toEqual([]);
  });
});
