import { and, eq, gt, lte, sql } from "drizzle-orm";
import type { SeatSession } from "../core/bookings/seats.ts";
import { blockedRange } from "./bookings-repository.ts";
import type { Database } from "./database.ts";
import type { HostId, TenantId } from "./ids.ts";
import { bookings, slotHolds } from "./schema.ts";

/** A visitor's live claim on a slot (src/scheduling/slot-holds.ts). */
export interface SlotHold {
  id: string;
  token: string;
  tenantId: TenantId;
  eventTypeId: string;
  hostIds: HostId[];
  startAt: Date;
  endAt: Date;
  sessionId: string | null;
  expiresAt: Date;
}

export async function insertHold(
  db: Database,
  hold: SlotHold & { clientKey: string; bufferBeforeMinutes: number; bufferAfterMinutes: number },
): Promise<void> {
  const blocked = blockedRange({
    start: hold.startAt,
    end: hold.endAt,
    bufferBeforeMinutes: hold.bufferBeforeMinutes,
    bufferAfterMinutes: hold.bufferAfterMinutes,
  });
  await db.insert(slotHolds).values(
    hold.hostIds.map((hostId) => ({
      id: hold.id,
      hostId,
      tenantId: hold.tenantId,
      eventTypeId: hold.eventTypeId,
      token: hold.token,
      clientKey: hold.clientKey,
      startAt: hold.startAt,
      endAt: hold.endAt,
      blocked,
      sessionId: hold.sessionId,
      expiresAt: hold.expiresAt,
    })),
  );
}

/** The live hold with this token (undefined when unknown or expired). */
export async function findLiveHold(
  db: Database,
  params: { tenantId: TenantId; token: string; now: Date },
): Promise<SlotHold | undefined> {
  const rows = await db
    .select()
    .from(slotHolds)
    .where(
      and(
        eq(slotHolds.tenantId, params.tenantId),
        eq(slotHolds.token, params.token),
        gt(slotHolds.expiresAt, params.now),
      ),
    );
  const first = rows[0];
  if (!first) return undefined;
  return {
    id: first.id,
    token: first.token,
    tenantId: first.tenantId as TenantId,
    eventTypeId: first.eventTypeId,
    hostIds: rows.map((row) => row.hostId as HostId),
    startAt: first.startAt,
    endAt: first.endAt,
    sessionId: first.sessionId,
    expiresAt: first.expiresAt,
  };
}

/** Releases a hold (its visitor gave up, or booked with it). Answers whether there was one. */
export async function deleteHold(
  db: Database,
  params: { tenantId: TenantId; eventTypeId?: string; token: string },
): Promise<boolean> {
  const rows = await db
    .delete(slotHolds)
    .where(
      and(
        eq(slotHolds.tenantId, params.tenantId),
        eq(slotHolds.token, params.token),
        ...(params.eventTypeId ? [eq(slotHolds.eventTypeId, params.eventTypeId)] : []),
      ),
    )
    .returning({ id: slotHolds.id });
  return rows.length > 0;
}

/** How many live holds a client has at a tenant (the per-client limit). */
export async function countClientHolds(
  db: Database,
  params: { tenantId: TenantId; clientKey: string; now: Date },
): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(distinct ${slotHolds.id})::int` })
    .from(slotHolds)
    .where(
      and(
        eq(slotHolds.tenantId, params.tenantId),
        eq(slotHolds.clientKey, params.clientKey),
        gt(slotHolds.expiresAt, params.now),
      ),
    );
  return Number(row?.count ?? 0);
}

/**
 * Whether another visitor's live hold overlaps a range of some hosts. Run under the hosts' booking locks, where no
 * hold can appear meanwhile. Seats of the same session do not count here (seats are counted per session).
 */
export async function otherHoldOverlaps(
  db: Database,
  params: {
    tenantId: TenantId;
    hostIds: HostId[];
    blocked: string;
    now: Date;
    exceptToken: string | undefined;
    sessionId: string | null;
  },
): Promise<boolean> {
  const hostArray = sql.join(
    params.hostIds.map((hostId) => sql`${hostId}::uuid`),
    sql`, `,
  );
  const { rows: found } = (await db.execute(sql`
    select 1 from ${slotHolds}
     where ${slotHolds.tenantId} = ${params.tenantId}
       and ${slotHolds.hostId} = any(array[${hostArray}])
       and ${slotHolds.blocked} && ${params.blocked}::tstzrange
       and ${slotHolds.expiresAt} > ${params.now.toISOString()}::timestamptz
       and (${params.exceptToken ?? null}::text is null or ${slotHolds.token} <> ${params.exceptToken ?? null}::text)
       and (${params.sessionId}::uuid is null or ${slotHolds.sessionId} is distinct from ${params.sessionId}::uuid)
     limit 1`)) as unknown as { rows: unknown[] };
  return found.length > 0;
}

/**
 * The sessions of a seated event type around a range: active seat bookings and other visitors' live holds per
 * session (a hold takes a seat while its visitor fills the form).
 */
export async function loadSeatSessions(
  db: Database,
  params: {
    tenantId: TenantId;
    eventTypeId: string;
    from: Date;
    to: Date;
    now: Date;
    exceptToken?: string | undefined;
  },
): Promise<SeatSession[]> {
  const { rows } = (await db.execute(sql`
    with seats as (
      select ${bookings.sessionId} as session_id, ${bookings.startAt} as start_at, ${bookings.endAt} as end_at,
             ${bookings.bufferBeforeMinutes} as before_minutes, ${bookings.bufferAfterMinutes} as after_minutes,
             ${bookings.id}::text as seat
        from ${bookings}
       where ${bookings.tenantId} = ${params.tenantId} and ${bookings.eventTypeId} = ${params.eventTypeId}
         and ${bookings.sessionId} is not null
         and ${bookings.status} in ('confirmed', 'pending')
         and ${bookings.startAt} < ${params.to.toISOString()}::timestamptz
         and ${bookings.endAt} > ${params.from.toISOString()}::timestamptz
      union all
      select ${slotHolds.sessionId}, ${slotHolds.startAt}, ${slotHolds.endAt},
             round(date_part('epoch', ${slotHolds.startAt} - lower(${slotHolds.blocked})) / 60)::int,
             round(date_part('epoch', upper(${slotHolds.blocked}) - ${slotHolds.endAt}) / 60)::int,
             'hold:' || ${slotHolds.id}::text
        from ${slotHolds}
       where ${slotHolds.tenantId} = ${params.tenantId} and ${slotHolds.eventTypeId} = ${params.eventTypeId}
         and ${slotHolds.sessionId} is not null
         and ${slotHolds.expiresAt} > ${params.now.toISOString()}::timestamptz
         and (${params.exceptToken ?? null}::text is null or ${slotHolds.token} <> ${params.exceptToken ?? null}::text)
         and ${slotHolds.startAt} < ${params.to.toISOString()}::timestamptz
         and ${slotHolds.endAt} > ${params.from.toISOString()}::timestamptz
    )
    select session_id as "sessionId",
           round(date_part('epoch', min(start_at)) * 1000)::float8 as "startMs",
           round(date_part('epoch', min(end_at)) * 1000)::float8 as "endMs",
           max(before_minutes)::int as "bufferBeforeMinutes", max(after_minutes)::int as "bufferAfterMinutes",
           count(distinct seat)::int as taken
      from seats group by session_id`)) as unknown as { rows: SeatSession[] };
  return rows.map((row) => ({
    ...row,
    startMs: Number(row.startMs),
    endMs: Number(row.endMs),
    taken: Number(row.taken),
  }));
}

/** The cleanup job: deletes holds that expired (queries already ignore them). Answers how many rows went. */
export async function deleteExpiredHolds(db: Database, now: Date): Promise<number> {
  const rows = await db
    .delete(slotHolds)
    .where(lte(slotHolds.expiresAt, now))
    .returning({ id: slotHolds.id });
  return rows.length;
}
