import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Secrets at rest (provider tokens, CalDAV passwords, private feed URLs): AES-256-GCM with a random 96-bit nonce per
 * value. The envelope names the key it was sealed with, so keys can be rotated: new values use the newest key, old
 * values stay readable until `calbridge keys rotate` re-seals them.
 *
 * Envelope: `cb1.<keyId>.<nonce b64url>.<ciphertext+tag b64url>`.
 * ENCRYPTION_KEYS: comma-separated `keyId:base64key` entries, oldest first; the last one encrypts.
 */
export interface KeyRing {
  encrypt(plaintext: string): string;
  decrypt(envelope: string): string;
  keyIdOf(envelope: string): string;
  currentKeyId: string;
  /**
   * Purpose-bound sub-keys (HKDF-SHA256), newest first: sign with the first, verify with any, so signatures made
   * before a rotation stay valid while the old key is in the ring.
   */
  deriveKeys(purpose: string): Buffer[];
}

export class KeyRingError extends Error {
  override name = "KeyRingError";
}

const ENVELOPE_VERSION = "cb1";

export function parseKeyRing(spec: string): KeyRing {
  const entries = spec
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const separator = part.indexOf(":");
      if (separator <= 0) throw new KeyRingError("ENCRYPTION_KEYS: each entry must be keyId:base64key");
      const id = part.slice(0, separator);
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
        throw new KeyRingError(`ENCRYPTION_KEYS: key id "${id}" must be 1-32 letters, digits, - or _`);
      }
      const key = Buffer.from(part.slice(separator + 1), "base64");
      if (key.length !== 32) {
        throw new KeyRingError(`ENCRYPTION_KEYS: key "${id}" must be 32 bytes of base64 (got ${key.length})`);
      }
      return { id, key };
    });
  if (entries.length === 0) throw new KeyRingError("ENCRYPTION_KEYS: no keys given");
  const keys = new Map(entries.map((entry) => [entry.id, entry.key]));
  if (keys.size !== entries.length) throw new KeyRingError("ENCRYPTION_KEYS: duplicate key id");
  const current = entries.at(-1)!;

  function parseEnvelope(envelope: string) {
    const parts = envelope.split(".");
    if (parts.length !== 4 || parts[0] !== ENVELOPE_VERSION)
      throw new KeyRingError("not a Calbridge secret envelope");
    const [, keyId, nonce, sealed] = parts as [string, string, string, string];
    return { keyId, nonce: Buffer.from(nonce, "base64url"), sealed: Buffer.from(sealed, "base64url") };
  }

  const derived = new Map<string, Buffer[]>();
  return {
    currentKeyId: current.id,
    encrypt(plaintext) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", current.key, nonce);
      // The key id is authenticated data: moving a ciphertext under another key id fails to open.
      cipher.setAAD(Buffer.from(current.id));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return [ENVELOPE_VERSION, current.id, nonce.toString("base64url"), body.toString("base64url")].join(
        ".",
      );
    },
    decrypt(envelope) {
      const { keyId, nonce, sealed } = parseEnvelope(envelope);
      const key = keys.get(keyId);
      if (!key)
        throw new KeyRingError(`secret was sealed with key "${keyId}", which is not in ENCRYPTION_KEYS`);
      if (sealed.length < 16) throw new KeyRingError("secret envelope is truncated");
      const decipher = createDecipheriv("aes-256-gcm", key, nonce);
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      try {
        return Buffer.concat([
          decipher.update(sealed.subarray(0, sealed.length - 16)),
          decipher.final(),
        ]).toString("utf8");
      } catch {
        throw new KeyRingError("secret envelope failed authentication (wrong key or tampered data)");
      }
    },
    keyIdOf(envelope) {
      return parseEnvelope(envelope).keyId;
    },
    deriveKeys(purpose) {
      // Derived once per purpose: links are signed and checked on every booking request, and the ring is fixed.
      let keys = derived.get(purpose);
      if (!keys) {
        keys = [...entries]
          .reverse()
          .map((entry) =>
            Buffer.from(hkdfSync("sha256", entry.key, Buffer.alloc(0), `calbridge:${purpose}`, 32)),
          );
        derived.set(purpose, keys);
      }
      return keys;
    },
  };
}

export function generateKeySpec(keyId: string): string {
  return `${keyId}:${randomBytes(32).toString("base64")}`;
}
