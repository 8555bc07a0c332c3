import { and, asc, eq, inArray, lte } from "drizzle-orm";
import type { ReminderPlan, ReminderState, StoredReminder } from "../core/reminders/reminder-plan.ts";
import type { Database } from "./database.ts";
import { newId, type TenantId } from "./ids.ts";
import { reminders } from "./schema.ts";

export type ReminderSubjectKind = "booking" | "event";

export type ReminderRow = StoredReminder & {
  tenantId: TenantId;
  subjectKind: ReminderSubjectKind;
  subjectId: string;
  sentAt: Date | null;
};

type Record_ = typeof reminders.$inferSelect;

function toRow(record: Record_): ReminderRow {
  return {
    ...record,
    tenantId: record.tenantId as TenantId,
    subjectKind: record.subjectKind as ReminderSubjectKind,
    recipientKind: record.recipientKind as ReminderRow["recipientKind"],
    state: record.state as ReminderState,
  };
}

export async function listReminders(
  db: Database,
  tenantId: TenantId,
  subjectId: string,
): Promise<ReminderRow[]> {
  const records = await db
    .select()
    .from(reminders)
    .where(and(eq(reminders.tenantId, tenantId), eq(reminders.subjectId, subjectId)))
    .orderBy(asc(reminders.dueAt), asc(reminders.recipient));
  return records.map(toRow);
}

/** Applies a plan (src/core/reminders/reminder-plan.ts) in the caller's transaction. */
export async function applyReminderPlan(
  tx: Database,
  params: {
    tenantId: TenantId;
    subjectKind: ReminderSubjectKind;
    subjectId: string;
    plan: ReminderPlan;
    now: Date;
  },
): Promise<void> {
  const { plan, now } = params;
  if (plan.insert.length > 0) {
    const values = plan.insert.map((row) => ({
      id: newId<string>(),
      tenantId: params.tenantId,
      subjectKind: params.subjectKind,
      subjectId: params.subjectId,
      occurrenceKey: row.occurrenceKey,
      recipient: row.recipient,
      recipientKind: row.recipientKind,
      offsetMinutes: row.offsetMinutes,
      startAt: row.startAt,
      dueAt: row.dueAt,
      state: "pending",
      createdAt: now,
      updatedAt: now,
    }));
    // The unique key makes a row exist once, also when two changes of a series plan it at the same moment.
    for (let i = 0; i < values.length; i += 500)
      await tx
        .insert(reminders)
        .values(values.slice(i, i + 500))
        .onConflictDoNothing();
  }
  for (const row of plan.update) {
    await tx
      .update(reminders)
      .set({ startAt: row.startAt, dueAt: row.dueAt, state: row.state, updatedAt: now })
      .where(and(eq(reminders.id, row.id), eq(reminders.tenantId, params.tenantId)));
  }
}

/**
 * Due pending rows, locked for the caller's transaction. SKIP LOCKED: a second worker passes over rows the first one
 * holds instead of waiting for them and then sending them again (across tenants: the job acts for no caller).
 */
export async function claimDueReminders(
  tx: Database,
  params: { now: Date; limit: number },
): Promise<ReminderRow[]> {
  const records = await tx
    .select()
    .from(reminders)
    .where(and(eq(reminders.state, "pending"), lte(reminders.dueAt, params.now)))
    .orderBy(asc(reminders.dueAt))
    .limit(params.limit)
    .for("update", { skipLocked: true });
  return records.map(toRow);
}

export async function settleReminders(
  tx: Database,
  params: { ids: string[]; state: "sent" | "dropped"; now: Date },
): Promise<void> {
  if (params.ids.length === 0) return;
  await tx
    .update(reminders)
    .set({
      state: params.state,
      updatedAt: params.now,
      ...(params.state === "sent" ? { sentAt: params.now } : {}),
    })
    .where(and(inArray(reminders.id, params.ids), eq(reminders.state, "pending")));
}

/** One reminder by id (the mail job's read; it acts for no caller). */
export async function getReminder(db: Database, id: string): Promise<ReminderRow | undefined> {
  const [record] = await db.select().from(reminders).where(eq(reminders.id, id));
  return record ? toRow(record) : undefined;
}
