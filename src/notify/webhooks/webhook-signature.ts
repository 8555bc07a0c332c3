import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, "Signature scheme"):
 * `v1,<base64 HMAC-SHA256(secret, "{webhook-id}.{webhook-timestamp}.{body}")>`, where the secret is
 * the base64 text after the `whsec_` prefix, decoded. Receivers can use any Standard Webhooks library.
 */

const SECRET_PREFIX = "whsec_";

/** A new endpoint secret: 32 random bytes (the spec asks for 24 to 64), `whsec_`-prefixed base64. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString("base64");
}

/** The `webhook-signature` header value for one message. */
export function signWebhook(params: {
  secret: string;
  id: string;
  timestamp: number;
  payload: string;
}): string {
  return `v1,${hmac(params.secret, params.id, params.timestamp, params.payload).toString("base64")}`;
}

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export type WebhookVerification =
  | { ok: true; id: string; timestamp: number }
  | {
      ok: false;
      error: "missing_headers" | "invalid_timestamp" | "timestamp_out_of_tolerance" | "invalid_signature";
    };

/**
 * Checks a received message. The timestamp tolerance (both directions) is what stops replays of a
 * captured request; the header may list several signatures (during secret rotation), any one matching
 * is enough. Comparison is constant-time so the signature cannot be guessed byte by byte.
 */
export function verifyWebhook(params: {
  secret: string;
  headers: WebhookHeaders;
  payload: string;
  now: Date;
  toleranceSeconds?: number;
}): WebhookVerification {
  const id = header(params.headers, "webhook-id");
  const timestampText = header(params.headers, "webhook-timestamp");
  const signatures = header(params.headers, "webhook-signature");
  if (!id || !timestampText || !signatures) return { ok: false, error: "missing_headers" };
  if (!/^\d{1,12}$/.test(timestampText)) return { ok: false, error: "invalid_timestamp" };
  const timestamp = Number(timestampText);
  const nowSeconds = Math.floor(params.now.getTime() / 1000);
  if (Math.abs(nowSeconds - timestamp) > (params.toleranceSeconds ?? 300)) {
    return { ok: false, error: "timestamp_out_of_tolerance" };
  }
  const expected = hmac(params.secret, id, timestamp, params.payload);
  const matches = signatures.split(" ").some((entry) => {
    const [version, encoded] = entry.split(",", 2);
    if (version !== "v1" || !encoded) return false;
    const candidate = Buffer.from(encoded, "base64");
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
  return matches ? { ok: true, id, timestamp } : { ok: false, error: "invalid_signature" };
}

function hmac(secret: string, id: string, timestamp: number, payload: string): Buffer {
  const key = Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    "base64",
  );
  if (key.length === 0) throw new RangeError("webhook secret is empty or not base64");
  return createHmac("sha256", key).update(`${id}.${timestamp}.${payload}`).digest();
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value.join(" ") : value;
}
