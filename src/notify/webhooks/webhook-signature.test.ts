import { describe, expect, it } from "vitest";
import { generateWebhookSecret, signWebhook, verifyWebhook } from "./webhook-signature.ts";

// Test vector from the Standard Webhooks reference libraries (standard-webhooks/standard-webhooks).
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("signWebhook / verifyWebhook", () => {
  const now = new Date(VECTOR.timestamp * 1000);
  const headers = {
    "webhook-id": VECTOR.id,
    "webhook-timestamp": String(VECTOR.timestamp),
    "webhook-signature": VECTOR.signature,
  };

  it("matches the Standard Webhooks reference signature", () => {
    expect(signWebhook(VECTOR)).toBe(VECTOR.signature);
  });

  it("accepts the reference message, also among several signatures and with a Headers object", () => {
    expect(verifyWebhook({ secret: VECTOR.secret, headers, payload: VECTOR.payload, now })).toEqual({
      ok: true,
      id: VECTOR.id,
      timestamp: VECTOR.timestamp,
    });
    const rotated = new Headers({
      ...headers,
      "webhook-signature": `v1,b2xkc2lnbmF0dXJl ${VECTOR.signature}`,
    });
    expect(verifyWebhook({ secret: VECTOR.secret, headers: rotated, payload: VECTOR.payload, now }).ok).toBe(
      true,
    );
  });

  it.each([
    ["a changed body", { payload: '{"test": 2432232315}' }, "invalid_signature"],
    ["another secret", { secret: generateWebhookSecret() }, "invalid_signature"],
    ["a changed id", { headers: { ...headers, "webhook-id": "msg_other" } }, "invalid_signature"],
    ["a v2 signature only", { headers: { ...headers, "webhook-signature": "v2,abc" } }, "invalid_signature"],
    [
      "a timestamp 6 minutes old",
      { now: new Date((VECTOR.timestamp + 360) * 1000) },
      "timestamp_out_of_tolerance",
    ],
    [
      "a timestamp 6 minutes ahead",
      { now: new Date((VECTOR.timestamp - 360) * 1000) },
      "timestamp_out_of_tolerance",
    ],
    ["a non-numeric timestamp", { headers: { ...headers, "webhook-timestamp": "12a" } }, "invalid_timestamp"],
    ["no signature header", { headers: { ...headers, "webhook-signature": undefined } }, "missing_headers"],
  ])("rejects %s", (_, change, error) => {
    const result = verifyWebhook({ secret: VECTOR.secret, headers, payload: VECTOR.payload, now, ...change });
    expect(result).toEqual({ ok: false, error });
  });

  it("honours a custom tolerance", () => {
    const later = new Date((VECTOR.timestamp + 360) * 1000);
    const params = { secret: VECTOR.secret, headers, payload: VECTOR.payload, now: later };
    expect(verifyWebhook({ ...params, toleranceSeconds: 600 }).ok).toBe(true);
  });

  it("generates distinct whsec_ secrets of 32 random bytes that sign and verify", () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
    const signature = signWebhook({ secret, id: "msg_1", timestamp: 1_900_000_000, payload: "{}" });
    const result = verifyWebhook({
      secret,
      headers: { "Webhook-Id": "msg_1", "Webhook-Timestamp": "1900000000", "Webhook-Signature": signature },
      payload: "{}",
      now: new Date(1_900_000_000_000),
    });
    expect(result.ok).toBe(true);
  });
});
