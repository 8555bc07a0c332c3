/**
 * Which reminder rows a booking or managed event needs, and how its existing rows change: pure, with `now` given.
 * A row is keyed by (occurrence, recipient, offset); its state is pending (to send), sent or dropped.
 */
export type ReminderState = "pending" | "sent" | "dropped";
export type RecipientKind = "attendee" | "host";

export interface ReminderTarget {
  /** '' for a booking or a single event; the occurrence's original start (ISO) in a series. */
  occurrenceKey: string;
  startAt: Date;
  /** An e-mail address, lower-cased: one person is one recipient however the address was written. */
  recipient: string;
  recipientKind: RecipientKind;
  offsetMinutes: number;
}

export interface StoredReminder extends ReminderTarget {
  id: string;
  dueAt: Date;
  state: ReminderState;
}

export interface ReminderPlan {
  insert: Array<ReminderTarget & { dueAt: Date }>;
  update: Array<{ id: string; startAt: Date; dueAt: Date; state: ReminderState }>;
}

/**
 * A series gets rows for the occurrences starting within this many days; the reminder job renews them daily. It is
 * longer than the largest offset (30 days) plus the renewal period, so every row exists before it is due.
 */
export const SERIES_REMINDER_HORIZON_DAYS = 35;

export function reminderDueAt(startAt: Date, offsetMinutes: number): Date {
  return new Date(startAt.getTime() - offsetMinutes * 60_000);
}

/** Every (occurrence, recipient, offset) that should be reminded; recipients deduplicated by address. */
export function desiredReminders(params: {
  occurrences: Array<{ key: string; startAt: Date }>;
  recipients: Array<{ email: string; kind: RecipientKind }>;
  offsetsMinutes: number[];
}): ReminderTarget[] {
  const recipients = new Map<string, RecipientKind>();
  for (const recipient of params.recipients) {
    const address = recipient.email.trim().toLowerCase();
    // The reserved .invalid domain (RFC 2606) receives no mail: an erased attendee's placeholder address is one.
    if (address.endsWith(".invalid")) continue;
    // Someone who is both attendee and host is reminded once, as an attendee (with the manage links).
    if (!recipients.has(address) || recipient.kind === "attendee") recipients.set(address, recipient.kind);
  }
  return params.occurrences.flatMap((occurrence) =>
    [...recipients].flatMap(([recipient, recipientKind]) =>
      params.offsetsMinutes.map((offsetMinutes) => ({
        occurrenceKey: occurrence.key,
        startAt: occurrence.startAt,
        recipient,
        recipientKind,
        offsetMinutes,
      })),
    ),
  );
}

/** The occurrences of a series that get reminder rows now: those starting after `now`, within the horizon. */
export function occurrencesToRemind<T extends { start: Date }>(occurrences: T[], now: Date): T[] {
  const until = now.getTime() + SERIES_REMINDER_HORIZON_DAYS * 86_400_000;
  return occurrences.filter((o) => o.start.getTime() > now.getTime() && o.start.getTime() <= until);
}

const keyOf = (r: Pick<ReminderTarget, "occurrenceKey" | "recipient" | "offsetMinutes">): string =>
  `${r.occurrenceKey}\u0000${r.recipient}\u0000${r.offsetMinutes}`;

/**
 * How the stored rows follow the wanted ones:
 * - a wanted reminder whose due time lies ahead is pending (inserted, or moved there by a new start: one sent for the
 *   old time is sent again for the new one, the recipient needs the new time);
 * - one whose due time has already passed is never sent: not inserted when the appointment was made inside the
 *   offset, and a pending one moved past its time is dropped (a sent one stays sent);
 * - a pending row no longer wanted (cancelled, recipient or offset removed) is dropped.
 * `mode: "add"` only inserts missing rows (the series renewal, which must not undo what a change decided).
 */
export function planReminders(params: {
  desired: ReminderTarget[];
  existing: StoredReminder[];
  now: Date;
  mode?: "replace" | "add";
}): ReminderPlan {
  const now = params.now.getTime();
  const existing = new Map(params.existing.map((row) => [keyOf(row), row]));
  const wanted = new Set<string>();
  const plan: ReminderPlan = { insert: [], update: [] };
  for (const target of params.desired) {
    const key = keyOf(target);
    wanted.add(key);
    const dueAt = reminderDueAt(target.startAt, target.offsetMinutes);
    const ahead = dueAt.getTime() > now;
    const row = existing.get(key);
    if (!row) {
      if (ahead) plan.insert.push({ ...target, dueAt });
      continue;
    }
    if (params.mode === "add") continue;
    const moved = row.startAt.getTime() !== target.startAt.getTime();
    if (!moved) {
      // A dropped row comes back when it is wanted again in time (a recipient or offset added back).
      if (row.state === "dropped" && ahead)
        plan.update.push({ id: row.id, startAt: target.startAt, dueAt, state: "pending" });
      continue;
    }
    const state: ReminderState = ahead ? "pending" : row.state === "sent" ? "sent" : "dropped";
    plan.update.push({ id: row.id, startAt: target.startAt, dueAt, state });
  }
  if (params.mode !== "add") {
    for (const row of params.existing) {
      if (row.state === "pending" && !wanted.has(keyOf(row)))
        plan.update.push({ id: row.id, startAt: row.startAt, dueAt: row.dueAt, state: "dropped" });
    }
  }
  return plan;
}
