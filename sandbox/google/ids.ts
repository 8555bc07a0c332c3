import { randomBytes } from "node:crypto";

/**
 * Identifier formats (provider-protocols.md 4.3): server-made event ids are 26 base32hex characters
 * (`[0-9a-v]`); client-supplied ids must use the same alphabet and be 5-1024 characters long.
 */
const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

export function newEventId(): string {
  const bytes = randomBytes(26);
  let id = "";
  for (const byte of bytes) id += BASE32HEX[byte % 32];
  return id;
}

export function isValidClientEventId(id: string): boolean {
  return /^[a-v0-9]{5,1024}$/.test(id);
}

export function newOpaqueToken(prefix: string, bytes = 32): string {
  return prefix + randomBytes(bytes).toString("base64url");
}

/** A Meet code, `aaa-bbbb-ccc`. */
export function newMeetCode(): string {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const pick = (n: number): string =>
    [...randomBytes(n)].map((byte) => letters[byte % letters.length]).join("");
  return `${pick(3)}-${pick(4)}-${pick(3)}`;
}

/**
 * Event etags are quoted microsecond timestamps, e.g. `"3485815948352798"` (4.3). A counter keeps two
 * writes in the same millisecond distinct, since If-Match compares them.
 */
export function createEtagSource(): (epochMs: number) => string {
  let last = 0;
  return (epochMs) => {
    last = Math.max(last + 1, epochMs * 1000);
    return `"${last}"`;
  };
}
