import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateKeySpec, KeyRingError, parseKeyRing } from "./key-ring.ts";

describe("key ring", () => {
  const k1 = generateKeySpec("k1");
  const k2 = generateKeySpec("k2");

  it("round-trips with a random nonce and names the key in the envelope", () => {
    const ring = parseKeyRing(k1);
    const a = ring.encrypt("refresh-token-é");
    const b = ring.encrypt("refresh-token-é");
    expect(a).not.toBe(b);
    expect(a.startsWith("cb1.k1.")).toBe(true);
    expect(ring.decrypt(a)).toBe("refresh-token-é");
    expect(a).not.toContain("refresh-token");
  });

  it("encrypts with the newest key and still opens older envelopes", () => {
    const old = parseKeyRing(k1).encrypt("s");
    const ring = parseKeyRing(`${k1},${k2}`);
    expect(ring.currentKeyId).toBe("k2");
    expect(ring.keyIdOf(ring.encrypt("s"))).toBe("k2");
    expect(ring.decrypt(old)).toBe("s");
  });

  it("rejects tampering, a missing key and key-id swaps", () => {
    const ring = parseKeyRing(`${k1},${k2}`);
    const envelope = ring.encrypt("secret");
    const parts = envelope.split(".");
    const body = Buffer.from(parts[3]!, "base64url");
    body[0] = body[0]! ^ 1;
    expect(() => ring.decrypt([parts[0], parts[1], parts[2], body.toString("base64url")].join("."))).toThrow(
      KeyRingError,
    );
    expect(() => ring.decrypt([parts[0], "k1", parts[2], parts[3]].join("."))).toThrow(/authentication/);
    expect(() => parseKeyRing(k1).decrypt(envelope)).toThrow(/not in ENCRYPTION_KEYS/);
  });

  it("validates the ENCRYPTION_KEYS format with clear messages", () => {
    expect(() => parseKeyRing("nokey")).toThrow(/keyId:base64key/);
    expect(() => parseKeyRing(`k1:${randomBytes(16).toString("base64")}`)).toThrow(/32 bytes/);
    expect(() => parseKeyRing(`${k1},${k1}`)).toThrow(/duplicate/);
  });
});
