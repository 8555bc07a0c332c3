import { describe, expect, it } from "vitest";
import { createAddressPolicy } from "./address-policy.ts";

describe("address policy", () => {
  const policy = createAddressPolicy([]);

  it.each([
    // Loopback in every spelling the URL parser or the resolver accepts.
    "127.0.0.1",
    "127.1",
    "0x7f.0.0.1",
    "0177.0.0.1",
    "2130706433",
    "127.255.255.254",
    "::1",
    "[::1]",
    "0:0:0:0:0:0:0:1",
    // Unspecified ("this host").
    "0.0.0.0",
    "0",
    "::",
    // Private, carrier-grade NAT, link-local (cloud metadata), benchmarking, documentation, multicast, reserved.
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "100.64.0.1",
    "100.127.255.255",
    "169.254.169.254",
    "198.18.0.1",
    "192.0.2.1",
    "224.0.0.1",
    "255.255.255.255",
    // IPv6 unique-local, link-local (with and without a zone), site-local, multicast, documentation.
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
    // IPv4-mapped, SIIT and NAT64 forms of internal IPv4 addresses, dotted or hex.
    "::ffff:127.0.0.1",
    "[::ffff:127.0.0.1]",
    "::ffff:7f00:1",
    "::FFFF:10.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:0:127.0.0.1",
    "64:ff9b::127.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::192.168.1.1",
    // Deprecated IPv4-compatible, local-use NAT64, 6to4 and Teredo: refused as whole ranges.
    "::127.0.0.1",
    "::8.8.8.8",
    "64:ff9b:1::808:808",
    "2002:7f00:1::1",
    "2001:0:4136:e378::1",
  ])("refuses %s", (address) => {
    expect(policy.allowsAddress(address)).toBe(false);
  });

  it.each([
    "93.184.216.34",
    "8.8.8.8",
    "172.32.0.1", // just outside 172.16/12
    "100.128.0.1", // just outside 100.64/10
    "169.253.255.255",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808", // DNS64's answer for a public IPv4 host on an IPv6-only network
  ])("allows %s", (address) => {
    expect(policy.allowsAddress(address)).toBe(true);
  });

  it("refuses what is not an address at all", () => {
    expect(policy.allowsAddress("example.com")).toBe(false);
    expect(policy.allowsAddress("")).toBe(false);
  });

  it("allow-lists by CIDR, by single IP (in all its spellings) and by host name", () => {
    const allowing = createAddressPolicy([
      "10.1.0.0/16",
      "127.0.0.1",
      "[fd00::]/8",
      "::1",
      "Intranet.Example.com.",
    ]);
    expect(allowing.allowsAddress("10.1.2.3")).toBe(true);
    expect(allowing.allowsAddress("10.2.0.1")).toBe(false);
    expect(allowing.allowsAddress("127.0.0.1")).toBe(true);
    expect(allowing.allowsAddress("127.1")).toBe(true); // the same address, spelled short
    expect(allowing.allowsAddress("2130706433")).toBe(true);
    expect(allowing.allowsAddress("::ffff:127.0.0.1")).toBe(true);
    expect(allowing.allowsAddress("::ffff:10.1.9.9")).toBe(true);
    expect(allowing.allowsAddress("127.0.0.2")).toBe(false);
    expect(allowing.allowsAddress("::1")).toBe(true);
    expect(allowing.allowsAddress("fd12::1")).toBe(true);
    expect(allowing.allowsAddress("fc00::1")).toBe(false);
    expect(allowing.allowsHostName("intranet.example.com")).toBe(true);
    expect(allowing.allowsHostName("INTRANET.example.com.")).toBe(true);
    expect(allowing.allowsHostName("example.com")).toBe(false);
    expect(allowing.allowsHostName("evil.intranet.example.com")).toBe(false);
    // A host name entry does not allow the addresses it happens to resolve to.
    expect(createAddressPolicy(["localhost"]).allowsAddress("127.0.0.1")).toBe(false);
  });

  it("throws on an entry config validation would have refused (a programmer error)", () => {
    expect(() => createAddressPolicy(["10.0.0.0/33"])).toThrow(/10\.0\.0\.0\/33/);
  });
});
