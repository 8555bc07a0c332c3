import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../store/database.ts";
import { auditLog } from "../store/schema.ts";

/**
 * The one way to write the audit log. Every field is an id or a code from a fixed list, checked here at run time as
 * well as by the types: an entry can't carry a token, a password, a name, an e-mail address or an event's title or
 * body, because no field accepts free text (ids are UUIDs or short machine codes without `@` or spaces).
 */
export const AUDIT_ACTIONS = [
  "api_key.created",
  "api_key.revoked",
  "portal.signed_in",
  "connection.connected",
  "connection.disconnected",
  "connection.needs_reauth",
  "connection.error",
  "token.refreshed",
  "token.refresh_failed",
  "calendar.read",
  "calendar.write",
  // The host's agenda (synced events, with details where the connection imports them) read through the API.
  "agenda.read",
  "booking.created",
  "booking.rescheduled",
  "booking.cancelled",
  "booking.confirmed",
  "booking.rejected",
  "managed_event.created",
  "managed_event.updated",
  "managed_event.cancelled",
  "host_feed.read",
  "host.exported",
  "host.erased",
  "attendee.erased",
  "secrets.rotated",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_ACTOR_KINDS = [
  "api_key",
  "portal_session",
  "attendee_link",
  "public_page",
  "feed_link",
  "oauth_callback",
  "system_job",
  "operator",
] as const;
export type AuditActorKind = (typeof AUDIT_ACTOR_KINDS)[number];

export const AUDIT_OUTCOMES = ["success", "failure"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Calendar operations a `calendar.write` (and reads) name. */
export const AUDIT_OPERATIONS = ["list", "create", "update", "cancel"] as const;

/** A UUID or a machine code (job queue name, request id): letters, digits and `._:-`, no `@`, no spaces. */
const idText = z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/);
const uuid = z.guid();

export const auditDetailsSchema = z
  .object({
    itemCount: z.number().int().min(0).optional(),
    operation: z.enum(AUDIT_OPERATIONS).optional(),
    /** The typed provider error (auth_revoked, rate_limited, ...), never its message. */
    errorKind: idText.optional(),
    /** Erasure: how many rows of each kind went (numbers only). */
    bookingsAnonymised: z.number().int().min(0).optional(),
    bookingsDeleted: z.number().int().min(0).optional(),
    connectionsRevoked: z.number().int().min(0).optional(),
    /** The API key created or revoked. */
    apiKeyId: z.guid().optional(),
    /** The managed event created, changed or cancelled (its host is the entry's target). */
    managedEventId: z.guid().optional(),
  })
  .strict();
export type AuditDetails = z.infer<typeof auditDetailsSchema>;

export type AuditActor =
  | { kind: Exclude<AuditActorKind, "public_page" | "operator">; id: string }
  | { kind: "public_page" | "operator"; id?: string };

export interface AuditTarget {
  hostId?: string | undefined;
  connectionId?: string | undefined;
  bookingId?: string | undefined;
}

export interface AuditEntry {
  /** Defaults to the database's clock; jobs pass their own clock's time. */
  at?: Date;
  /** Null only for entries about the whole installation (key rotation). */
  tenantId: string | null;
  actor: AuditActor;
  action: AuditAction;
  target?: AuditTarget;
  /** The connection's provider (microsoft, google, caldav, ics), for calendar accesses. */
  provider?: string;
  outcome: AuditOutcome;
  requestId?: string | undefined;
  details?: AuditDetails;
}

const entrySchema = z.object({
  tenantId: uuid.nullable(),
  actorId: idText.optional(),
  hostId: uuid.optional(),
  connectionId: uuid.optional(),
  bookingId: uuid.optional(),
  provider: idText.optional(),
  details: auditDetailsSchema,
});

/** Request ids come from a header the caller may set: one that isn't a plain id is left out, not stored. */
export function auditRequestId(requestId: string | undefined): string | undefined {
  return requestId && idText.safeParse(requestId).success ? requestId : undefined;
}

function checked(entry: Omit<AuditEntry, "tenantId"> & { tenantId?: string | null }) {
  const target = entry.target ?? {};
  const parsed = entrySchema.parse({
    tenantId: entry.tenantId ?? null,
    ...(entry.actor.id !== undefined ? { actorId: entry.actor.id } : {}),
    ...(target.hostId ? { hostId: target.hostId } : {}),
    ...(target.connectionId ? { connectionId: target.connectionId } : {}),
    ...(target.bookingId ? { bookingId: target.bookingId } : {}),
    ...(entry.provider ? { provider: entry.provider } : {}),
    details: entry.details ?? {},
  });
  return {
    ...(entry.at ? { at: entry.at } : {}),
    tenantId: parsed.tenantId,
    actorKind: entry.actor.kind,
    actorId: parsed.actorId ?? null,
    action: entry.action,
    hostId: parsed.hostId ?? null,
    connectionId: parsed.connectionId ?? null,
    bookingId: parsed.bookingId ?? null,
    provider: parsed.provider ?? null,
    outcome: entry.outcome,
    requestId: auditRequestId(entry.requestId) ?? null,
    details: parsed.details,
  };
}

export async function recordAudit(db: Database, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values(checked(entry));
}

/**
 * An entry about one calendar connection whose tenant, host and provider are read from the connection in the same
 * statement: the provider-neutral sync engine, token keeper and write-back job call this with the id they hold. A
 * connection deleted meanwhile records nothing (there is no host left to answer for).
 */
export async function recordConnectionAudit(
  db: Database,
  entry: Omit<AuditEntry, "tenantId" | "target" | "provider"> & {
    connectionId: string;
    bookingId?: string;
  },
): Promise<void> {
  const row = checked({
    ...entry,
    target: { connectionId: entry.connectionId, ...(entry.bookingId ? { bookingId: entry.bookingId } : {}) },
  });
  await db.execute(sql`
    insert into audit_log (at, tenant_id, actor_kind, actor_id, action, host_id, connection_id, booking_id,
      provider, outcome, request_id, details)
    select coalesce(${row.at?.toISOString() ?? null}::timestamptz, now()), c.tenant_id, ${row.actorKind}, ${row.actorId}, ${row.action},
      c.host_id, c.id, ${row.bookingId}::uuid, c.provider, ${row.outcome}, ${row.requestId},
      ${JSON.stringify(row.details)}::jsonb
    from calendar_connections c where c.id = ${row.connectionId}::uuid`);
}

/** The actor of a background job: the queue it runs on. */
export function jobActor(queue: string): AuditActor {
  return { kind: "system_job", id: queue };
}

/** One entry per host of a booking or managed event, so that filtering by host finds it. */
async function recordForEachHost(
  db: Database,
  entry: Omit<AuditEntry, "outcome" | "target"> & { hostIds: readonly string[]; target?: AuditTarget },
): Promise<void> {
  const { hostIds, ...rest } = entry;
  for (const hostId of hostIds) {
    await recordAudit(db, { ...rest, target: { ...entry.target, hostId }, outcome: "success" });
  }
}

/** A booking change: one entry per host of the booking. */
export async function recordBookingAudit(
  db: Database,
  params: {
    booking: { id: string; tenantId: string; hostIds: readonly string[] };
    actor: AuditActor;
    action: Extract<AuditAction, `booking.${string}`>;
    requestId?: string | undefined;
  },
): Promise<void> {
  await recordForEachHost(db, {
    tenantId: params.booking.tenantId,
    hostIds: params.booking.hostIds,
    actor: params.actor,
    action: params.action,
    target: { bookingId: params.booking.id },
    requestId: params.requestId,
  });
}

/** A managed event written through the API: one entry per host of the event, the event's id in the details. */
export async function recordManagedEventAudit(
  db: Database,
  params: {
    tenantId: string;
    event: { id: string; hostIds: readonly string[] };
    actor: AuditActor;
    action: Extract<AuditAction, `managed_event.${string}`>;
    requestId?: string | undefined;
  },
): Promise<void> {
  await recordForEachHost(db, {
    tenantId: params.tenantId,
    hostIds: params.event.hostIds,
    actor: params.actor,
    action: params.action,
    requestId: params.requestId,
    details: { managedEventId: params.event.id },
  });
}
