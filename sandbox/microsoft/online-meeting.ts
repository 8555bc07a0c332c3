import { randomBytes } from "node:crypto";
import type { EventFields, Mailbox } from "./model.ts";

/**
 * Teams meetings exist for work/school mailboxes only. For personal accounts the sandbox ignores
 * `isOnlineMeeting` (the calendar allows no provider) [inf: the real service's answer varied by era].
 */
export function applyOnlineMeeting(fields: EventFields, mailbox: Mailbox): void {
  if (!fields.isOnlineMeeting || mailbox.kind !== "work") {
    fields.isOnlineMeeting = false;
    fields.onlineMeetingProvider = "unknown";
    fields.onlineMeeting = null;
    return;
  }
  fields.onlineMeetingProvider = "teamsForBusiness";
  if (fields.onlineMeeting) return;
  const thread = randomBytes(18).toString("base64url");
  fields.onlineMeeting = {
    joinUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${thread}%40thread.v2/0?context=%7b%22Tid%22%3a%22${mailbox.tenantId}%22%2c%22Oid%22%3a%22${mailbox.id}%22%7d`,
    conferenceId: String(100_000_000 + randomBytes(3).readUIntBE(0, 3)),
    tollNumber: "+1 323-555-0166",
    tollFreeNumbers: [],
    quickDial: null,
    phones: [],
  };
}
