import type PgBoss from "pg-boss";
import { type BookingEmailKind, composeBookingEmail } from "../notify/mail/booking-email.ts";
import type { MailAddress } from "../notify/mail/mail-message.ts";
import type { Mailer } from "../notify/mail/mailer.ts";
import { locationFields, sendUnlessRefused } from "../notify/mail/send-unless-refused.ts";
import type { Logger } from "../observability/logger.ts";
import { attendeeLinksFor } from "../scheduling/booking-links.ts";
import { loadBookingCalendarFile } from "../scheduling/load-booking-calendar-file.ts";
import type { KeyRing } from "../secrets/key-ring.ts";
import { getBooking } from "../store/bookings-repository.ts";
import { type CalendarWriteRow, listCalendarWrites } from "../store/calendar-writes-repository.ts";
import type { Database } from "../store/database.ts";
import type { HostRow } from "../store/hosts-repository.ts";
import type { TenantId } from "../store/ids.ts";
import { findTenantById } from "../store/tenants-repository.ts";
import type { JobEngine } from "./job-engine.ts";

export const BOOKING_MAIL_QUEUE = "mail.booking";

interface BookingMailJob {
  tenantId: string;
  bookingId: string;
  kind: BookingEmailKind;
  /** How often the mail waited for the booking's calendar writes (see below). */
  deferrals?: number;
  /** The host made the change in their calendar. */
  by?: "host_calendar";
}

/** How long a mail waits for the booking's calendar writes to settle: 24 x 5 s. */
const MAX_DEFERRALS = 24;
const DEFERRAL_SECONDS = 5;

/**
 * Who gets Calbridge's mail when the booking is written into host calendars (docs/write-back.md):
 * - a host whose calendar shows the booking (a write that succeeded) hears from their calendar, not from us; a host
 *   without one (no destination calendar, or the write failed) gets the mail;
 * - the attendee is not mailed when a written event carries them as an invitee and the tenant lets the provider
 *   invite (`attendeeInvitations: provider`): Outlook already sent the invitation, update or cancellation. A change
 *   the host made in their calendar is the exception: whether Outlook told the attendee is the host's choice there
 *   ("send update" or not), so Calbridge tells them.
 */
export function recipientsBesidesCalendars(params: {
  writes: CalendarWriteRow[];
  hosts: HostRow[];
  providerInvites: boolean;
  byHostCalendar: boolean;
}): { hosts: HostRow[]; attendee: boolean } {
  const written = params.writes.filter((row) => row.state === "written");
  const shown = new Set(written.map((row) => row.hostId));
  return {
    hosts: params.hosts.filter((host) => host.email && !shown.has(host.id)),
    attendee:
      params.byHostCalendar || !(params.providerInvites && written.some((row) => row.invitesAttendee)),
  };
}

export interface BookingMailDeps {
  jobs: JobEngine;
  db: Database;
  mailer: Mailer;
  keyRing: KeyRing;
  publicUrl: string;
  from: MailAddress;
  logger: Logger;
  now?: () => Date;
}

/**
 * Invitations, updates and cancellations by mail, sent by a job with retries (see sendUnlessRefused).
 */
export async function registerBookingMailJob(deps: BookingMailDeps): Promise<void> {
  const now = deps.now ?? (() => new Date());
  await deps.jobs.register<BookingMailJob>({
    name: BOOKING_MAIL_QUEUE,
    retryLimit: 6,
    retryDelaySeconds: 30,
    retryBackoff: true,
    async handle(data) {
      const tenantId = data.tenantId as TenantId;
      const booking = await getBooking(deps.db, tenantId, data.bookingId);
      if (!booking) return; // deleted since: nothing to tell anyone
      const writes = await listCalendarWrites(deps.db, tenantId, [booking.id]);
      const deferrals = data.deferrals ?? 0;
      if (writes.some((row) => row.state === "pending") && deferrals < MAX_DEFERRALS) {
        // Who is told by whom depends on how the writes end: wait for them (a new job; this one completes).
        await deps.jobs.send(
          BOOKING_MAIL_QUEUE,
          { ...data, deferrals: deferrals + 1 },
          { startAfter: DEFERRAL_SECONDS },
        );
        return;
      }
      const tenant = await findTenantById(deps.db, tenantId);
      const links = attendeeLinksFor({ keyRing: deps.keyRing, publicUrl: deps.publicUrl, booking });
      const manage = links.manage;
      const { file, eventType, hosts, title } = await loadBookingCalendarFile({
        db: deps.db,
        booking,
        now: now(),
        organizerFallback: { ...(deps.from.name ? { name: deps.from.name } : {}), email: deps.from.address },
        manageUrl: manage,
      });
      const location = booking.location;
      const besides = recipientsBesidesCalendars({
        writes,
        hosts,
        providerInvites: (tenant?.attendeeInvitations ?? "provider") === "provider",
        byHostCalendar: data.by === "host_calendar",
      });
      const recipients: Array<{ to: MailAddress; timeZone: string; attendee: boolean }> = [
        ...(besides.attendee
          ? [
              {
                to: { name: booking.attendeeName, address: booking.attendeeEmail },
                timeZone: booking.inviteeTimeZone,
                attendee: true,
              },
            ]
          : []),
        ...besides.hosts.map((host) => ({
          to: { name: host.name, address: host.email! },
          timeZone: host.timeZone,
          attendee: false,
        })),
      ];
      for (const recipient of recipients) {
        const message = composeBookingEmail({
          kind: data.kind,
          booking: {
            title,
            start: booking.startAt.toISOString(),
            end: booking.endAt.toISOString(),
            timeZone: recipient.timeZone,
            ...(hosts[0] ? { hostName: hosts[0].name } : {}),
            ...locationFields(location),
            ...(eventType?.description ? { description: eventType.description } : {}),
            ...(booking.cancelReason ? { cancelReason: booking.cancelReason } : {}),
            ...(recipient.attendee
              ? { rescheduleUrl: `${manage}/reschedule`, cancelUrl: `${manage}/cancel` }
              : {}),
          },
          ics: file.content,
          icsMethod: file.method === "CANCEL" ? "CANCEL" : "REQUEST",
          icsFileName: file.fileName,
          from: deps.from,
          to: [recipient.to],
        });
        await sendUnlessRefused({
          mailer: deps.mailer,
          message,
          logger: deps.logger,
          context: { bookingId: booking.id, kind: data.kind },
          label: "booking mail",
        });
      }
    },
  });
}

/** The mail job for a booking change, to insert in the change's transaction (see `JobEngine.insert`). */
export function bookingMailJob(job: BookingMailJob): PgBoss.JobInsert<BookingMailJob> {
  return { name: BOOKING_MAIL_QUEUE, data: job };
}
