import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { ProviderKind } from "../core/sync/calendar-source.ts";
import type { ConnectionStatus } from "./connections-repository.ts";
import type { Database } from "./database.ts";
import { calendarConnections, calendarSyncStates } from "./schema.ts";
import type { CalendarKey } from "./sync-states-repository.ts";

/**
 * Push channels (Graph subscriptions, Google channels) live in `calendar_sync_states.channel`, one per calendar, and
 * are found by `channel->>'id'` when a notification arrives. The secret is stored only as a hash. A channel that
 * could not be created keeps only the failure (`failedAt`, `failures`), so creation backs off; `claimUntil` marks
 * work in progress by one process (create, renew, stop), so two processes never create two channels for a calendar.
 */
export const storedChannelSchema = z.object({
  id: z.string().optional(),
  resourceId: z.string().optional(),
  resource: z.string().optional(),
  notificationUrl: z.string().optional(),
  expiresAt: z.string().optional(),
  secretHash: z.string().optional(),
  createdAt: z.string().optional(),
  lastRenewedAt: z.string().nullable().optional(),
  failedAt: z.string().optional(),
  failures: z.number().optional(),
  lastError: z.string().optional(),
  claimUntil: z.string().optional(),
});
export type StoredChannel = z.infer<typeof storedChannelSchema>;

/** The stored channel of a sync state, or null (none, or not readable: then it is made again). */
export function readStoredChannel(value: unknown): StoredChannel | null {
  if (value === null || value === undefined) return null;
  const parsed = storedChannelSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

const channelId = sql<string>`${calendarSyncStates.channel}->>'id'`;

const keyOf = (key: CalendarKey) =>
  and(
    eq(calendarSyncStates.connectionId, key.connectionId),
    eq(calendarSyncStates.calendarRef, key.calendarRef),
  );

export interface ChannelOwner extends CalendarKey {
  channel: StoredChannel;
  provider: ProviderKind;
  status: ConnectionStatus;
}

/** The calendars that hold these channel ids (one query for a whole notification batch). */
export async function findChannelOwners(db: Database, ids: string[]): Promise<Map<string, ChannelOwner>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({
      connectionId: calendarSyncStates.connectionId,
      calendarRef: calendarSyncStates.calendarRef,
      channel: calendarSyncStates.channel,
      provider: calendarConnections.provider,
      status: calendarConnections.status,
    })
    .from(calendarSyncStates)
    .innerJoin(calendarConnections, eq(calendarConnections.id, calendarSyncStates.connectionId))
    .where(inArray(channelId, ids));
  const owners = new Map<string, ChannelOwner>();
  for (const row of rows) {
    const channel = readStoredChannel(row.channel);
    if (!channel?.id) continue;
    owners.set(channel.id, {
      connectionId: row.connectionId,
      calendarRef: row.calendarRef,
      channel,
      provider: row.provider as ProviderKind,
      status: row.status as ConnectionStatus,
    });
  }
  return owners;
}

/**
 * Claims a calendar's channel for one piece of work; answers the channel as it was (null: none), or undefined when
 * another process holds the claim. A crashed holder's claim expires after `ttlMs`.
 */
/** The calendar's connection is connected (or failing and retried): only then may a channel be claimed or stored. */
const liveConnection = sql`exists (select 1 from ${calendarConnections}
                       where ${calendarConnections.id} = ${calendarSyncStates.connectionId}
                         and ${calendarConnections.status} in ('connected', 'error'))`;

export async function claimChannel(
  db: Database,
  params: CalendarKey & { now: Date; ttlMs: number },
): Promise<{ channel: StoredChannel | null } | undefined> {
  const claimUntil = new Date(params.now.getTime() + params.ttlMs).toISOString();
  const rows = await db
    .update(calendarSyncStates)
    .set({
      channel: sql`coalesce(${calendarSyncStates.channel}, '{}'::jsonb) || jsonb_build_object('claimUntil', ${claimUntil}::text)`,
    })
    .where(
      and(
        keyOf(params),
        // No work on the channels of a connection that is gone (or going): a disconnect wins over a late job.
        liveConnection,
        // Text comparison of toISOString() values (fixed width, UTC): no cast that a bad value could break.
        sql`coalesce(${calendarSyncStates.channel}->>'claimUntil' < ${params.now.toISOString()}, true)`,
      ),
    )
    .returning({ channel: calendarSyncStates.channel });
  if (rows.length === 0) return undefined;
  const { claimUntil: _mine, ...before } = readStoredChannel(rows[0]!.channel) ?? {};
  return { channel: Object.keys(before).length > 0 ? before : null };
}

/**
 * Stores the outcome of claimed work (and ends the claim): the channel, or null for none. A channel is stored only
 * while its connection is connected (or failing and retried): a disconnect that happened while the provider call was
 * under way wins, and the caller learns (false) that it must stop the channel it just made.
 */
export async function writeChannel(
  db: Database,
  key: CalendarKey,
  channel: StoredChannel | null,
  now: Date,
): Promise<boolean> {
  const rows = await db
    .update(calendarSyncStates)
    .set({ channel: channel ?? null, updatedAt: now })
    .where(channel ? and(keyOf(key), liveConnection) : keyOf(key))
    .returning({ ref: calendarSyncStates.calendarRef });
  if (rows.length > 0) return true;
  // Not stored (the connection is not live): end the claim and record nothing new. A channel stored before stays
  // known (a connection waiting for the host to sign in again still has it at the provider, and a later disconnect
  // must be able to stop it); the disconnect clears every channel itself.
  const kept = sql`${calendarSyncStates.channel} - 'claimUntil'`;
  await db
    .update(calendarSyncStates)
    .set({ channel: sql`case when ${kept} = '{}'::jsonb then null else ${kept} end`, updatedAt: now })
    .where(keyOf(key));
  return !channel?.id;
}

/** Forgets a channel the provider removed, unless it was replaced meanwhile (only that id is cleared). */
export async function forgetChannel(db: Database, params: CalendarKey & { id: string }): Promise<void> {
  await db
    .update(calendarSyncStates)
    .set({ channel: null })
    .where(and(keyOf(params), eq(channelId, params.id)));
}

/**
 * Whether a calendar's channel is live at `now` (held and not expired): such calendars are polled less often. An
 * SQL condition for the polling floor query.
 */
export function channelIsLive(now: Date): SQL {
  return sql`coalesce(${channelId} is not null and ${calendarSyncStates.channel}->>'expiresAt' > ${now.toISOString()}, false)`;
}

/** Which of these channel ids any calendar holds (the orphan sweep must not stop a peer connection's channel). */
export async function knownChannelIds(db: Database, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.select({ id: channelId }).from(calendarSyncStates).where(inArray(channelId, ids));
  return new Set(rows.map((row) => row.id));
}

/** Connections whose channels the periodic sweep looks after: working OAuth connections of these providers. */
export async function listConnectionsForChannels(
  db: Database,
  params: { providers: ProviderKind[]; limit: number },
): Promise<string[]> {
  if (params.providers.length === 0) return [];
  const rows = await db
    .select({ id: calendarConnections.id })
    .from(calendarConnections)
    .where(
      and(
        inArray(calendarConnections.provider, params.providers),
        inArray(calendarConnections.status, ["connected", "error"]),
      ),
    )
    .limit(params.limit);
  return rows.map((row) => row.id);
}
