import { and, eq, inArray } from "drizzle-orm";
import type PgBoss from "pg-boss";
import { type BookingEmailKind, composeBookingEmail } from "../notify/mail/booking-email.ts";
import type { MailAddress } from "../notify/mail/mail-message.ts";
import { MailSendError } from "../notify/mail/mail-send-error.ts";
import type { Mailer } from "../notify/mail/mailer.ts";
import type { Logger } from "../observability/logger.ts";
import { attendeeLinksFor } from "../scheduling/booking-links.ts";
import { loadBookingCalendarFile } from "../scheduling/load-booking-calendar-file.ts";
import type { KeyRing } from "../secrets/key-ring.ts";
import { getBooking } from "../store/bookings-repository.ts";
import type { Database } from "../store/database.ts";
import type { HostRow } from "../store/hosts-repository.ts";
import type { TenantId } from "../store/ids.ts";
import { calendarConnections } from "../store/schema.ts";
import type { JobEngine } from "./job-engine.ts";

export const BOOKING_MAIL_QUEUE = "mail.booking";

interface BookingMailJob {
  tenantId: string;
  bookingId: string;
  kind: BookingEmailKind;
}

/** Providers that put the booking into the host's own calendar: their hosts get the invitation from there. */
const writableProviders = ["microsoft", "google", "caldav"];

async function hostsWithoutCalendar(db: Database, tenantId: TenantId, hosts: HostRow[]): Promise<HostRow[]> {
  if (hosts.length === 0) return [];
  const connected = await db
    .select({ hostId: calendarConnections.hostId })
    .from(calendarConnections)
    .where(
      and(
        eq(calendarConnections.tenantId, tenantId),
        inArray(
          calendarConnections.hostId,
          hosts.map((host) => host.id),
        ),
        inArray(calendarConnections.provider, writableProviders),
        eq(calendarConnections.status, "active"),
      ),
    );
  const withCalendar = new Set(connected.map((row) => row.hostId));
  return hosts.filter((host) => host.email && !withCalendar.has(host.id));
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
 * Invitations, updates and cancellations by mail, sent by a job with retries: a transient SMTP failure (4xx, a
 * dropped connection) throws so pg-boss retries with backoff; a permanent one (5xx) is logged and not retried.
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
      const recipients: Array<{ to: MailAddress; timeZone: string; attendee: boolean }> = [
        {
          to: { name: booking.attendeeName, address: booking.attendeeEmail },
          timeZone: booking.inviteeTimeZone,
          attendee: true,
        },
        ...(await hostsWithoutCalendar(deps.db, tenantId, hosts)).map((host) => ({
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
            ...(location?.kind === "address" || location?.kind === "phone"
              ? { location: location.value }
              : {}),
            ...(location && location.kind !== "address" && location.kind !== "phone" && location.value
              ? { meetingUrl: location.value }
              : {}),
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
        try {
          const result = await deps.mailer.send(message);
          deps.logger.info({ bookingId: booking.id, kind: data.kind, status: result.status }, "booking mail");
        } catch (error) {
          if (error instanceof MailSendError && !error.retryable) {
            deps.logger.error(
              { err: error, bookingId: booking.id },
              "booking mail refused permanently; not retrying",
            );
            continue;
          }
          throw error;
        }
      }
    },
  });
}

/** The mail job for a booking change, to insert in the change's transaction (see `JobEngine.insert`). */
export function bookingMailJob(job: BookingMailJob): PgBoss.JobInsert<BookingMailJob> {
  return { name: BOOKING_MAIL_QUEUE, data: job };
}
