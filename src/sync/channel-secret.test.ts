import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { channelSecretMatches, hashChannelSecret, newChannelSecret } from "./channel-secret.ts";

describe("channel secret", () => {
  it("is random, fits Graph's 128-character clientState, and is stored only as its SHA-256 hash", () => {
    const secret = newChannelSecret();
    expect(secret).not.toBe(newChannelSecret());
    expect(secret.length).toBeGreaterThanOrEqual(40);
    expect(secret.length).toBeLessThanOrEqual(128);
    const hash = hashChannelSecret(secret);
    expect(hash).toBe(createHash("sha256").update(secret).digest("base64url"));
    expect(hash).not.toContain(secret);
  });

  it.each([
    ["the secret itself", (s: string) => s, true],
    [
      "another secret of the same length",
      (s: string) => `${s.slice(0, -1)}${s.endsWith("A") ? "B" : "A"}`,
      false,
    ],
    ["a prefix", (s: string) => s.slice(0, 10), false],
    ["a longer string", (s: string) => `${s}x`, false],
    ["the empty string", () => "", false],
    ["the stored hash itself", (_s: string, hash: string) => hash, false],
    ["different case", (s: string) => s.toUpperCase(), false],
  ])("compares %s: %s", (_name, presented, expected) => {
    const secret = newChannelSecret();
    const hash = hashChannelSecret(secret);
    expect(channelSecretMatches(presented(secret, hash), hash)).toBe(expected);
  });

  it("rejects a missing secret or a missing or damaged stored hash without throwing", () => {
    const secret = newChannelSecret();
    const hash = hashChannelSecret(secret);
    expect(channelSecretMatches(undefined, hash)).toBe(false);
    expect(channelSecretMatches(secret, undefined)).toBe(false);
    // timingSafeEqual throws on unequal lengths: a short stored value must be a plain "no".
    expect(channelSecretMatches(secret, hash.slice(0, 20))).toBe(false);
    expect(channelSecretMatches(secret, "")).toBe(false);
  });
});
