import { and, eq, inArray } from "drizzle-orm";
import { checkManagedEventSchedule } from "../core/managed-events/managed-event-schedule.ts";
import {
  desiredReminders,
  occurrencesToRemind,
  planReminders,
  type RecipientKind,
} from "../core/reminders/reminder-plan.ts";
import { DEFAULT_REMINDERS, type ReminderSettings } from "../core/reminders/reminder-settings.ts";
import type { BookingRow } from "../store/bookings-repository.ts";
import type { Database } from "../store/database.ts";
import type { HostId, TenantId } from "../store/ids.ts";
import type { ManagedEventRow } from "../store/managed-events-repository.ts";
import { applyReminderPlan, listReminders } from "../store/reminders-repository.ts";
import { eventTypes, hosts, managedEvents } from "../store/schema.ts";

/**
 * Keeps a booking's or managed event's reminder rows in step with it, in the change's transaction: rows for a new
 * appointment, moved with a reschedule, dropped with a cancellation (rules in src/core/reminders/reminder-plan.ts).
 */
async function hostRecipients(
  tx: Database,
  tenantId: TenantId,
  hostIds: HostId[],
): Promise<Array<{ email: string; kind: RecipientKind }>> {
  if (hostIds.length === 0) return [];
  const rows = await tx
    .select({ email: hosts.email })
    .from(hosts)
    .where(and(eq(hosts.tenantId, tenantId), inArray(hosts.id, hostIds)));
  return rows.flatMap((row) => (row.email ? [{ email: row.email, kind: "host" as const }] : []));
}

export async function syncBookingReminders(
  tx: Database,
  params: { booking: BookingRow; now: Date },
): Promise<void> {
  const { booking } = params;
  // A booking awaiting the host's confirmation is reminded of once confirmed; a cancelled or rejected one never.
  const live = booking.status === "confirmed";
  let desired: ReturnType<typeof desiredReminders> = [];
  if (live) {
    const [eventType] = await tx
      .select({ reminders: eventTypes.reminders })
      .from(eventTypes)
      .where(eq(eventTypes.id, booking.eventTypeId));
    const settings = (eventType?.reminders as ReminderSettings | undefined) ?? DEFAULT_REMINDERS;
    desired = desiredReminders({
      occurrences: [{ key: "", startAt: booking.startAt }],
      recipients: [
        { email: booking.attendeeEmail, kind: "attendee" },
        ...(settings.notifyHost ? await hostRecipients(tx, booking.tenantId, booking.hostIds) : []),
      ],
      offsetsMinutes: settings.offsetsMinutes,
    });
  }
  const existing = await listReminders(tx, booking.tenantId, booking.id);
  if (desired.length === 0 && existing.length === 0) return;
  await applyReminderPlan(tx, {
    tenantId: booking.tenantId,
    subjectKind: "booking",
    subjectId: booking.id,
    plan: planReminders({ desired, existing, now: params.now }),
    now: params.now,
  });
}

/** The occurrences of a managed event to remind of: its one time, or a series' occurrences within the horizon. */
export function reminderOccurrences(
  event: ManagedEventRow,
  now: Date,
): Array<{ key: string; startAt: Date }> {
  if (!event.recurrence) return [{ key: "", startAt: event.startAt }];
  const checked = checkManagedEventSchedule({
    start: event.startAt,
    end: event.endAt,
    timeZone: event.timeZone,
    recurrence: {
      rule: event.recurrence.rule,
      exdates: event.recurrence.exdates.map((at) => new Date(at)),
      overrides: event.recurrence.overrides.map((o) => ({
        originalStart: new Date(o.originalStart),
        start: new Date(o.start),
        end: new Date(o.end),
      })),
    },
  });
  // Stored events were checked when saved; one that no longer expands has nothing to remind of.
  if (!checked.ok) return [];
  return occurrencesToRemind(checked.value.occurrences, now).map((o) => ({
    key: o.originalStart.toISOString(),
    startAt: o.start,
  }));
}

/**
 * `mode: "add"` is the series renewal: it only adds the rows of occurrences that came within the horizon.
 */
export async function syncManagedEventReminders(
  tx: Database,
  params: { event: ManagedEventRow; now: Date; mode?: "replace" | "add" },
): Promise<void> {
  const { event, now } = params;
  const settings = event.reminders;
  const desired =
    event.status === "active"
      ? desiredReminders({
          occurrences: reminderOccurrences(event, now),
          recipients: [
            ...event.attendees.map((a) => ({ email: a.email, kind: "attendee" as const })),
            ...(settings.notifyHost ? await hostRecipients(tx, event.tenantId, event.hostIds) : []),
          ],
          offsetsMinutes: settings.offsetsMinutes,
        })
      : [];
  const existing = await listReminders(tx, event.tenantId, event.id);
  if (desired.length > 0 || existing.length > 0) {
    await applyReminderPlan(tx, {
      tenantId: event.tenantId,
      subjectKind: "event",
      subjectId: event.id,
      plan: planReminders({ desired, existing, now, mode: params.mode ?? "replace" }),
      now,
    });
  }
  if (event.recurrence)
    await tx.update(managedEvents).set({ remindersPlannedAt: now }).where(eq(managedEvents.id, event.id));
}
