import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Signed, expiring links that let an attendee manage a booking without an account. The token carries the booking
 * id, the tenant and an expiry; an HMAC-SHA256 under the service's link key proves it was issued here.
 */
export interface BookingLinkClaims {
  bookingId: string;
  tenantId: string;
  expiresAt: number; // epoch seconds
}

export function signBookingLink(key: Buffer, claims: BookingLinkClaims): string {
  const body = Buffer.from(JSON.stringify([claims.bookingId, claims.tenantId, claims.expiresAt])).toString(
    "base64url",
  );
  const mac = createHmac("sha256", key).update(body).digest("base64url");
  return `${body}.${mac}`;
}

export function verifyBookingLink(
  keys: Buffer[],
  token: string,
  nowSeconds: number,
):
  | { ok: true; claims: BookingLinkClaims }
  | { ok: false; reason: "malformed" | "bad_signature" | "expired" } {
  const [body, mac] = token.split(".");
  if (!body || !mac) return { ok: false, reason: "malformed" };
  const given = Buffer.from(mac, "base64url");
  const valid = keys.some((key) => {
    const expected = createHmac("sha256", key).update(body).digest();
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!valid) return { ok: false, reason: "bad_signature" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return { ok: false, reason: "malformed" };
  const [bookingId, tenantId, expiresAt] = parsed as [unknown, unknown, unknown];
  if (typeof bookingId !== "string" || typeof tenantId !== "string" || typeof expiresAt !== "number") {
    return { ok: false, reason: "malformed" };
  }
  if (expiresAt < nowSeconds) return { ok: false, reason: "expired" };
  return { ok: true, claims: { bookingId, tenantId, expiresAt } };
}

export interface AttendeeLinks {
  manage: string;
  cancel: string;
  reschedule: string;
  ics: string;
}

/** The attendee's self-service URLs for a booking, valid until `validityDays` after it ends. */
export function attendeeLinksFor(params: {
  keyRing: { deriveKeys(purpose: string): Buffer[] };
  publicUrl: string;
  booking: { id: string; tenantId: string; endAt: Date };
  validityDays?: number | undefined;
}): AttendeeLinks {
  const { booking } = params;
  const token = signBookingLink(params.keyRing.deriveKeys("booking-links")[0]!, {
    bookingId: booking.id,
    tenantId: booking.tenantId,
    expiresAt: Math.floor(booking.endAt.getTime() / 1000) + (params.validityDays ?? 30) * 86_400,
  });
  const base = `${params.publicUrl}/v1/public/bookings/${token}`;
  return { manage: base, cancel: `${base}/cancel`, reschedule: `${base}/reschedule`, ics: `${base}/ics` };
}
