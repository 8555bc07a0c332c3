import type { MailAddress } from "../notify/mail/mail-message.ts";
import {
  composeReminderEmail,
  type ReminderLocale,
  type ReminderSummary,
  reminderLocaleOf,
} from "../notify/mail/reminder-email.ts";
import { locationFields, sendUnlessRefused } from "../notify/mail/send-unless-refused.ts";
import { attendeeLinksFor } from "../scheduling/booking-links.ts";
import { liveReminderBooking, liveReminderEvent } from "../scheduling/reminder-subjects.ts";
import type { Database } from "../store/database.ts";
import { getEventType } from "../store/event-types-repository.ts";
import { getHost, type HostRow } from "../store/hosts-repository.ts";
import type { HostId, TenantId } from "../store/ids.ts";
import { listManagedWrites } from "../store/managed-events-repository.ts";
import { getReminder, type ReminderRow } from "../store/reminders-repository.ts";
import type { BookingMailDeps } from "./booking-mail-job.ts";

export const REMINDER_MAIL_QUEUE = "mail.reminder";

interface ReminderMail {
  summary: ReminderSummary;
  locale: ReminderLocale;
  to: MailAddress;
}

async function hostsOf(db: Database, tenantId: TenantId, ids: HostId[]): Promise<HostRow[]> {
  const found = await Promise.all(ids.map((id) => getHost(db, tenantId, id)));
  return found.filter((host): host is HostRow => Boolean(host));
}

/** The recipient's zone: an attendee's own, a host's own, else the appointment's. */
function recipientZone(row: ReminderRow, hosts: HostRow[], fallback: string): string {
  if (row.recipientKind !== "host") return fallback;
  return hosts.find((host) => host.email?.toLowerCase() === row.recipient)?.timeZone ?? fallback;
}

async function bookingReminder(
  deps: ReminderMailDeps,
  row: ReminderRow,
  now: Date,
): Promise<ReminderMail | null> {
  const booking = await liveReminderBooking(deps.db, row, now);
  if (!booking) return null;
  const eventType = await getEventType(deps.db, row.tenantId, booking.eventTypeId);
  const hosts = await hostsOf(deps.db, row.tenantId, booking.hostIds);
  const attendee = row.recipientKind === "attendee";
  const links = attendeeLinksFor({ keyRing: deps.keyRing, publicUrl: deps.publicUrl, booking });
  return {
    to: attendee
      ? { name: booking.attendeeName, address: booking.attendeeEmail }
      : { address: row.recipient, ...nameOf(hosts, row.recipient) },
    locale: attendee ? reminderLocaleOf(booking.attendeeLocale) : "en",
    summary: {
      title: eventType?.title ?? "Appointment",
      start: booking.startAt.toISOString(),
      end: booking.endAt.toISOString(),
      timeZone: attendee ? booking.inviteeTimeZone : recipientZone(row, hosts, booking.inviteeTimeZone),
      ...(hosts[0] ? { hostName: hosts[0].name } : {}),
      ...locationFields(booking.location),
      ...(eventType?.description ? { description: eventType.description } : {}),
      ...(attendee ? { rescheduleUrl: links.reschedule, cancelUrl: links.cancel } : {}),
    },
  };
}

function nameOf(hosts: HostRow[], address: string): { name?: string } {
  const host = hosts.find((candidate) => candidate.email?.toLowerCase() === address);
  return host ? { name: host.name } : {};
}

async function eventReminder(
  deps: ReminderMailDeps,
  row: ReminderRow,
  now: Date,
): Promise<ReminderMail | null> {
  const event = await liveReminderEvent(deps.db, row, now);
  if (!event) return null;
  const hosts = await hostsOf(deps.db, row.tenantId, event.hostIds);
  const attendee = event.attendees.find((a) => a.email.toLowerCase() === row.recipient);
  // The provider's Teams or Meet link when one was made, else the event's own link.
  const joinUrl = (await listManagedWrites(deps.db, [event.id])).find((write) => write.joinUrl)?.joinUrl;
  const meetingUrl = joinUrl ?? (event.location?.kind === "link" ? event.location.value : undefined);
  const where =
    event.location?.kind === "address" || event.location?.kind === "phone" ? event.location.value : undefined;
  const durationMs = event.endAt.getTime() - event.startAt.getTime();
  return {
    to: {
      address: row.recipient,
      ...(attendee?.name ? { name: attendee.name } : nameOf(hosts, row.recipient)),
    },
    locale: reminderLocaleOf(attendee?.locale),
    summary: {
      title: event.title,
      start: row.startAt.toISOString(),
      end: new Date(row.startAt.getTime() + durationMs).toISOString(),
      timeZone: attendee?.timeZone ?? recipientZone(row, hosts, event.timeZone),
      ...(hosts[0] ? { hostName: hosts[0].name } : {}),
      ...(where ? { location: where } : {}),
      ...(meetingUrl ? { meetingUrl } : {}),
      ...(event.description ? { description: event.description } : {}),
    },
  };
}

/** The booking mail's dependencies, on the app clock (a reminder is not sent for an appointment that started). */
export type ReminderMailDeps = BookingMailDeps & { now: () => Date };

/**
 * Sends the mail of a claimed reminder (queued in the claim's transaction, src/jobs/reminder-jobs.ts), with retries
 * (see sendUnlessRefused). The appointment is checked again, since it may have been cancelled between the claim and
 * the send.
 */
export async function registerReminderMailJob(deps: ReminderMailDeps): Promise<void> {
  await deps.jobs.register<{ reminderId: string }>({
    name: REMINDER_MAIL_QUEUE,
    retryLimit: 6,
    retryDelaySeconds: 30,
    retryBackoff: true,
    async handle(data) {
      const row = await getReminder(deps.db, data.reminderId);
      if (row?.state !== "sent") return;
      const now = deps.now();
      const mail =
        row.subjectKind === "booking"
          ? await bookingReminder(deps, row, now)
          : await eventReminder(deps, row, now);
      if (!mail) return;
      const message = composeReminderEmail({ ...mail, from: deps.from, to: [mail.to] });
      await sendUnlessRefused({
        mailer: deps.mailer,
        message,
        logger: deps.logger,
        context: { reminderId: row.id, offsetMinutes: row.offsetMinutes },
        label: "reminder mail",
      });
    },
  });
}
