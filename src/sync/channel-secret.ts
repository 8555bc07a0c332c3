import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The per-channel secret (Graph clientState, Google channel token): random, sent to the provider once, stored only
 * as a SHA-256 hash, and compared in constant time with what each notification echoes (sync-failure-modes.md #14).
 * Hashing first also makes both sides the same length, so the comparison never leaks the secret's length either.
 */
export function newChannelSecret(): string {
  // 43 characters: well under Graph's 128-character limit on clientState.
  return randomBytes(32).toString("base64url");
}

export function hashChannelSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("base64url");
}

export function channelSecretMatches(presented: string | undefined, storedHash: string | undefined): boolean {
  if (presented === undefined || storedHash === undefined) return false;
  const expected = Buffer.from(storedHash, "base64url");
  const actual = createHash("sha256").update(presented, "utf8").digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
