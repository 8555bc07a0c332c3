import type { Reason } from "../core/availability/explain.ts";
import { formatUtcInstant } from "../core/availability/wall-time.ts";
import type { CalendarFreshnessPolicy } from "../core/bookings/availability-request.ts";
import { type BusyCalendar, calendarsOfBusyEntries } from "../store/busy-calendars.ts";
import type { Database } from "../store/database.ts";
import type { EventTypeRow } from "../store/event-types-repository.ts";
import type { HostId } from "../store/ids.ts";
import { explainStart } from "./find-slots.ts";

export interface HostVerdict {
  hostId: string;
  available: boolean;
  reasons: Array<{
    code: string;
    message: string;
    /** For calendar busy time: the calendar it comes from (never the event). */
    calendar?: BusyCalendar;
  }>;
}

export interface Troubleshooting {
  start: string;
  durationMinutes: number;
  /** Whether the booking page offers this start (by the event type's mode). */
  offered: boolean;
  hosts: HostVerdict[];
}

/** A busy reason told by its calendar: "busy in calendar Work (Outlook ...)" instead of the event's reference. */
function byCalendar(reason: Reason, calendar: BusyCalendar | undefined): HostVerdict["reasons"][number] {
  if (reason.source === undefined || (reason.code !== "busy" && reason.code !== "buffer"))
    return { code: reason.code, message: reason.message };
  const name = calendar
    ? `calendar ${JSON.stringify(calendar.calendar ?? "(unnamed)")} of ${calendar.connection}`
    : "a connected calendar";
  const message = reason.message
    .replace(`in ${reason.source} `, `in ${name} `)
    .replace(`in ${reason.source} (`, `in ${name} (`);
  return { code: reason.code, message, ...(calendar ? { calendar } : {}) };
}

/**
 * The troubleshooter: for each host of an event type (or one), why a start is or is not offered, in the engine's
 * stable codes (explainInstant) plus holds (`held`) and seats (`full`); busy time names its calendar.
 */
export async function troubleshoot(params: {
  db: Database;
  eventType: EventTypeRow;
  start: Date;
  durationMinutes: number;
  now: Date;
  freshness?: CalendarFreshnessPolicy | undefined;
  hostIds?: HostId[];
}): Promise<Troubleshooting> {
  const { eventType } = params;
  const hostIds = params.hostIds ?? eventType.hostIds;
  const verdicts: Array<{ hostId: HostId; available: boolean; reasons: Reason[] }> = [];
  for (const hostId of hostIds) {
    // One host at a time: every host's reasons, also where others are free (a booking check stops at the first).
    const explanation = await explainStart({
      db: params.db,
      eventType: { ...eventType, hostIds: [hostId], mode: "single" },
      start: params.start,
      now: params.now,
      inviteeTimeZone: "UTC",
      durationMinutes: params.durationMinutes,
      ...(params.freshness ? { freshness: params.freshness } : {}),
    });
    verdicts.push({
      hostId,
      available: explanation.bookable,
      reasons: explanation.bookable ? [] : explanation.reasons,
    });
  }
  const refs = verdicts.flatMap((verdict) =>
    verdict.reasons.flatMap((reason) => (reason.source ? [reason.source] : [])),
  );
  const calendars = await calendarsOfBusyEntries(params.db, {
    tenantId: eventType.tenantId,
    hostIds,
    sourceRefs: [...new Set(refs)],
  });
  const available = verdicts.filter((verdict) => verdict.available).length;
  const offered =
    eventType.mode === "round-robin" ? available > 0 : available === verdicts.length && verdicts.length > 0;
  return {
    start: formatUtcInstant(params.start.getTime()),
    durationMinutes: params.durationMinutes,
    offered,
    hosts: verdicts.map((verdict) => ({
      hostId: verdict.hostId,
      available: verdict.available,
      reasons: verdict.reasons.map((reason) =>
        byCalendar(reason, reason.source ? calendars.get(reason.source) : undefined),
      ),
    })),
  };
}
