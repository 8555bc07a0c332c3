import type { EventMeeting } from "../core/sync/calendar-source.ts";
import { type BookingRow, setBookingMeetingUrl } from "../store/bookings-repository.ts";
import { updateCalendarWrite } from "../store/calendar-writes-repository.ts";
import type { Database } from "../store/database.ts";
import type { WriteOutcome } from "./calendar-write-jobs.ts";
import { MAX_WRITE_ATTEMPTS } from "./write-source.ts";

const STILL_PENDING = "the calendar is still making the online meeting";

/**
 * A booking's event exists, and the provider answered its online meeting (Google Meet) as `pending`, or the job read
 * it again: ready, the link goes on the booking (so mails, `.ics` and webhooks carry it) and the write settles;
 * refused, it settles with a warning; still pending, the write stays pending and the job is retried with the job
 * engine's backoff, which gives the provider time (no waiting in the handler). Mails wait for pending writes, so the
 * attendee's mail has the link. After the last attempt the write settles with a warning instead of failing: the
 * event itself is there.
 */
export async function settleMeeting(params: {
  db: Database;
  now: () => Date;
  booking: BookingRow;
  key: { bookingId: string; connectionId: string };
  attempts: number;
  meeting: EventMeeting;
  settle(patch: Parameters<typeof updateCalendarWrite>[2]): Promise<WriteOutcome>;
}): Promise<WriteOutcome> {
  const { booking, meeting } = params;
  const kind = booking.location?.kind === "teams" ? "teams" : "meet";
  const name = kind === "teams" ? "Teams" : "Meet";
  if (meeting.state === "ready") {
    if (booking.location?.value !== meeting.joinUrl)
      await setBookingMeetingUrl(params.db, {
        tenantId: booking.tenantId,
        id: booking.id,
        kind,
        url: meeting.joinUrl,
      });
    return params.settle({
      ...(meeting.version ? { changeKey: meeting.version } : {}),
      warning: null,
      updatedAt: params.now(),
    });
  }
  if (meeting.state === "refused")
    return params.settle({
      warning: `the calendar did not create the ${name} meeting: the event has no ${name} link`,
      updatedAt: params.now(),
    });
  if (params.attempts >= MAX_WRITE_ATTEMPTS)
    return params.settle({
      warning: `the calendar had not finished making the ${name} meeting after ${params.attempts} tries: the event has no ${name} link yet`,
      updatedAt: params.now(),
    });
  await updateCalendarWrite(params.db, params.key, {
    meetingPending: true,
    lastError: `meeting_pending: ${STILL_PENDING}`,
    updatedAt: params.now(),
  });
  return { kind: "retry", error: { kind: "unavailable", message: STILL_PENDING } };
}
