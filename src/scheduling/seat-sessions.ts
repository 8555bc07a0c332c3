import { createHash } from "node:crypto";

/**
 * The id of a seated event type's session at a time: derived, so that every seat booked for the same slot names the
 * same session without a table of sessions (the exclusion constraint lets one session's seats share the hosts' time).
 */
export function seatSessionId(eventTypeId: string, startMs: number, endMs: number): string {
  const hex = createHash("sha256").update(`seat-session:${eventTypeId}:${startMs}:${endMs}`).digest("hex");
  // Shaped as a version 8 (custom) UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
