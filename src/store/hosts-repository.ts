import { and, asc, eq, gt } from "drizzle-orm";
import type { ScheduleRules } from "../core/schedules/schedule.ts";
import type { Database } from "./database.ts";
import { type HostId, newId, type ScheduleId, type TenantId } from "./ids.ts";
import { hosts, schedules } from "./schema.ts";
import { isUniqueViolation } from "./sql-errors.ts";

// Every function takes the tenant id and filters on it: a row of another tenant is indistinguishable from a
// missing row, so no route can read or change it.

export interface HostRow {
  id: HostId;
  tenantId: TenantId;
  externalId: string | null;
  name: string;
  email: string | null;
  timeZone: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface HostInput {
  externalId?: string | null | undefined;
  name: string;
  email?: string | null | undefined;
  timeZone: string;
}

export class DuplicateExternalIdError extends Error {
  override name = "DuplicateExternalIdError";
}

export async function insertHost(db: Database, tenantId: TenantId, input: HostInput): Promise<HostRow> {
  try {
    const [row] = await db
      .insert(hosts)
      .values({
        id: newId<HostId>(),
        tenantId,
        externalId: input.externalId ?? null,
        name: input.name,
        email: input.email ?? null,
        timeZone: input.timeZone,
      })
      .returning();
    return row as HostRow;
  } catch (error) {
    if (isUniqueViolation(error))
      throw new DuplicateExternalIdError(`a host with externalId "${input.externalId}" exists`);
    throw error;
  }
}

export async function listHosts(
  db: Database,
  tenantId: TenantId,
  page: { limit: number; after?: HostId | undefined },
): Promise<HostRow[]> {
  const conditions = [eq(hosts.tenantId, tenantId)];
  if (page.after) conditions.push(gt(hosts.id, page.after));
  return (await db
    .select()
    .from(hosts)
    .where(and(...conditions))
    .orderBy(asc(hosts.id))
    .limit(page.limit)) as HostRow[];
}

export async function getHost(db: Database, tenantId: TenantId, id: HostId): Promise<HostRow | undefined> {
  const [row] = await db
    .select()
    .from(hosts)
    .where(and(eq(hosts.tenantId, tenantId), eq(hosts.id, id)));
  return row as HostRow | undefined;
}

export async function updateHost(
  db: Database,
  tenantId: TenantId,
  id: HostId,
  patch: Partial<HostInput>,
): Promise<HostRow | undefined> {
  try {
    const [row] = await db
      .update(hosts)
      .set({ ...patch, updatedAt: new Date() })
      .where(and(eq(hosts.tenantId, tenantId), eq(hosts.id, id)))
      .returning();
    return row as HostRow | undefined;
  } catch (error) {
    if (isUniqueViolation(error))
      throw new DuplicateExternalIdError(`a host with externalId "${patch.externalId}" exists`);
    throw error;
  }
}

export async function deleteHost(db: Database, tenantId: TenantId, id: HostId): Promise<boolean> {
  const rows = await db
    .delete(hosts)
    .where(and(eq(hosts.tenantId, tenantId), eq(hosts.id, id)))
    .returning({ id: hosts.id });
  return rows.length > 0;
}

export interface ScheduleRow extends ScheduleRules {
  id: ScheduleId;
  tenantId: TenantId;
  hostId: HostId;
  name: string;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

function toScheduleRow(row: typeof schedules.$inferSelect): ScheduleRow {
  return {
    ...row,
    id: row.id as ScheduleId,
    tenantId: row.tenantId as TenantId,
    hostId: row.hostId as HostId,
    weekly: row.weekly as ScheduleRules["weekly"],
    overrides: row.overrides as ScheduleRules["overrides"],
    outOfOffice: row.outOfOffice as ScheduleRules["outOfOffice"],
  };
}

export async function insertSchedule(
  db: Database,
  params: { tenantId: TenantId; hostId: HostId; name: string; isDefault: boolean; rules: ScheduleRules },
): Promise<ScheduleRow> {
  return db.transaction(async (tx) => {
    const existing = await tx
      .select({ id: schedules.id })
      .from(schedules)
      .where(and(eq(schedules.tenantId, params.tenantId), eq(schedules.hostId, params.hostId)));
    // A host's first schedule is its default: availability needs one to start from.
    const isDefault = params.isDefault || existing.length === 0;
    if (isDefault) {
      await tx
        .update(schedules)
        .set({ isDefault: false })
        .where(and(eq(schedules.tenantId, params.tenantId), eq(schedules.hostId, params.hostId)));
    }
    const [row] = await tx
      .insert(schedules)
      .values({
        id: newId<ScheduleId>(),
        tenantId: params.tenantId,
        hostId: params.hostId,
        name: params.name,
        isDefault,
        timeZone: params.rules.timeZone,
        weekly: params.rules.weekly,
        overrides: params.rules.overrides,
        outOfOffice: params.rules.outOfOffice,
      })
      .returning();
    return toScheduleRow(row!);
  });
}

export async function listSchedules(
  db: Database,
  tenantId: TenantId,
  hostId: HostId,
): Promise<ScheduleRow[]> {
  const rows = await db
    .select()
    .from(schedules)
    .where(and(eq(schedules.tenantId, tenantId), eq(schedules.hostId, hostId)))
    .orderBy(asc(schedules.createdAt), asc(schedules.id));
  return rows.map(toScheduleRow);
}

export async function getSchedule(
  db: Database,
  params: { tenantId: TenantId; hostId: HostId; id: ScheduleId },
): Promise<ScheduleRow | undefined> {
  const [row] = await db
    .select()
    .from(schedules)
    .where(
      and(
        eq(schedules.tenantId, params.tenantId),
        eq(schedules.hostId, params.hostId),
        eq(schedules.id, params.id),
      ),
    );
  return row ? toScheduleRow(row) : undefined;
}

export async function replaceSchedule(
  db: Database,
  params: {
    tenantId: TenantId;
    hostId: HostId;
    id: ScheduleId;
    name: string;
    isDefault: boolean;
    rules: ScheduleRules;
  },
): Promise<ScheduleRow | undefined> {
  return db.transaction(async (tx) => {
    const scope = and(eq(schedules.tenantId, params.tenantId), eq(schedules.hostId, params.hostId));
    if (params.isDefault) await tx.update(schedules).set({ isDefault: false }).where(scope);
    const [row] = await tx
      .update(schedules)
      .set({
        name: params.name,
        timeZone: params.rules.timeZone,
        weekly: params.rules.weekly,
        overrides: params.rules.overrides,
        outOfOffice: params.rules.outOfOffice,
        ...(params.isDefault ? { isDefault: true } : {}),
        updatedAt: new Date(),
      })
      .where(and(scope, eq(schedules.id, params.id)))
      .returning();
    return row ? toScheduleRow(row) : undefined;
  });
}

export async function deleteSchedule(
  db: Database,
  params: { tenantId: TenantId; hostId: HostId; id: ScheduleId },
): Promise<boolean> {
  const rows = await db
    .delete(schedules)
    .where(
      and(
        eq(schedules.tenantId, params.tenantId),
        eq(schedules.hostId, params.hostId),
        eq(schedules.id, params.id),
      ),
    )
    .returning({ id: schedules.id });
  return rows.length > 0;
}
