import { describe, expect, it } from "vitest";
import { createAddressPolicy } from "./address-policy.ts";

describe("address policy", () => {
  const policy = createAddressPolicy([]);
  it.each([
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254", // cloud metadata
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "::1",
    "::",
    "fe80::1",
    "fd00::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "[::1]",
  ])("refuses %s", (address) => {
    expect(policy.checkAddress(address)).toMatch(/internal/);
  });

  it.each(["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])("allows %s", (address) => {
    expect(policy.checkAddress(address)).toBeNull();
  });

  it("honours the allow-list for CIDRs, single IPs and host names", () => {
    const allowing = createAddressPolicy(["10.1.0.0/16", "127.0.0.1", "intranet.example.com"]);
    expect(allowing.checkAddress("10.1.2.3")).toBeNull();
    expect(allowing.checkAddress("10.2.0.1")).toMatch(/internal/);
    expect(allowing.checkAddress("127.0.0.1")).toBeNull();
    expect(allowing.checkAddress("127.0.0.2")).toMatch(/internal/);
    expect(allowing.hostAllowed("Intranet.Example.com")).toBe(true);
    expect(allowing.hostAllowed("example.com")).toBe(false);
  });
});
