import { randomBytes } from "node:crypto";
import { and, asc, desc, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { generateWebhookSecret } from "../notify/webhooks/webhook-signature.ts";
import type { KeyRing } from "../secrets/key-ring.ts";
import type { Database } from "./database.ts";
import { newId, type TenantId } from "./ids.ts";
import { webhookDeliveries, webhookEndpoints } from "./schema.ts";

// Every function takes the tenant id and filters on it, like the hosts repository; the only exceptions are the
// job-side reads by delivery id (the job is not acting for a caller) and the sweeper's scan, which say so.

export type WebhookEndpointId = string & { readonly __brand: "WebhookEndpointId" };
export type WebhookDeliveryId = string & { readonly __brand: "WebhookDeliveryId" };

/** The event catalog: the only names an endpoint can subscribe to and `emitWebhookEvent` accepts. */
export const WEBHOOK_EVENT_TYPES = [
  "booking.created",
  "booking.rescheduled",
  "booking.cancelled",
  "booking.confirmed",
  "booking.calendar_sync_failed",
  "booking.room_declined",
  "booking.attendee_responded",
  "booking.reminder_due",
  "connection.connected",
  "connection.needs_reauth",
  "connection.error",
  "connection.disconnected",
  "webhook.test",
  "event.written",
  "event.write_failed",
  "event.changed_in_calendar",
  "event.deleted_in_calendar",
  "event.reminder_due",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export type WebhookDeliveryStatus = "pending" | "succeeded" | "failed" | "endpoint_disabled";

/** An endpoint without its secret: the secret leaves the store only through the reveal/rotate functions. */
export interface WebhookEndpointRow {
  id: WebhookEndpointId;
  tenantId: TenantId;
  url: string;
  description: string | null;
  /** Empty: every event type. */
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookDeliveryRow {
  id: WebhookDeliveryId;
  tenantId: TenantId;
  endpointId: WebhookEndpointId;
  messageId: string;
  eventType: string;
  /** `{timestamp, data}`: what the body carries besides the type. */
  payload: { timestamp: string; data: unknown };
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastResponseBody: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookEndpointInput {
  url: string;
  description?: string | null | undefined;
  eventTypes?: string[] | undefined;
}

const endpointColumns = {
  id: webhookEndpoints.id,
  tenantId: webhookEndpoints.tenantId,
  url: webhookEndpoints.url,
  description: webhookEndpoints.description,
  eventTypes: webhookEndpoints.eventTypes,
  enabled: webhookEndpoints.enabled,
  disabledReason: webhookEndpoints.disabledReason,
  createdAt: webhookEndpoints.createdAt,
  updatedAt: webhookEndpoints.updatedAt,
};

const endpointScope = (tenantId: TenantId, id: WebhookEndpointId) =>
  and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id));

/** Creates an endpoint with a fresh secret, sealed with the key ring; returns the plaintext secret once. */
export async function insertWebhookEndpoint(
  db: Database,
  params: { tenantId: TenantId; keyRing: KeyRing; input: WebhookEndpointInput },
): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  const secret = generateWebhookSecret();
  const [row] = await db
    .insert(webhookEndpoints)
    .values({
      id: newId<WebhookEndpointId>(),
      tenantId: params.tenantId,
      url: params.input.url,
      description: params.input.description ?? null,
      eventTypes: [...new Set(params.input.eventTypes ?? [])],
      secret: params.keyRing.encrypt(secret),
    })
    .returning(endpointColumns);
  return { endpoint: row as WebhookEndpointRow, secret };
}

export async function listWebhookEndpoints(
  db: Database,
  params: { tenantId: TenantId; limit: number; after?: WebhookEndpointId | undefined },
): Promise<WebhookEndpointRow[]> {
  const conditions = [eq(webhookEndpoints.tenantId, params.tenantId)];
  if (params.after) conditions.push(gt(webhookEndpoints.id, params.after));
  return (await db
    .select(endpointColumns)
    .from(webhookEndpoints)
    .where(and(...conditions))
    .orderBy(asc(webhookEndpoints.id))
    .limit(params.limit)) as WebhookEndpointRow[];
}

export async function getWebhookEndpoint(
  db: Database,
  params: { tenantId: TenantId; id: WebhookEndpointId },
): Promise<WebhookEndpointRow | undefined> {
  const [row] = await db
    .select(endpointColumns)
    .from(webhookEndpoints)
    .where(endpointScope(params.tenantId, params.id));
  return row as WebhookEndpointRow | undefined;
}

/** `enabled: true` re-enables an endpoint (clearing why it was disabled); `false` pauses it. */
export async function updateWebhookEndpoint(
  db: Database,
  params: {
    tenantId: TenantId;
    id: WebhookEndpointId;
    patch: Partial<WebhookEndpointInput> & { enabled?: boolean | undefined };
  },
): Promise<WebhookEndpointRow | undefined> {
  const { url, description, eventTypes, enabled } = params.patch;
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      ...(url === undefined ? {} : { url }),
      ...(description === undefined ? {} : { description }),
      ...(eventTypes === undefined ? {} : { eventTypes: [...new Set(eventTypes)] }),
      ...(enabled === undefined
        ? {}
        : { enabled, disabledReason: enabled ? null : "disabled through the API" }),
      updatedAt: new Date(),
    })
    .where(endpointScope(params.tenantId, params.id))
    .returning(endpointColumns);
  return row as WebhookEndpointRow | undefined;
}

/** Deletes the endpoint and (by cascade) its delivery log. */
export async function deleteWebhookEndpoint(
  db: Database,
  params: { tenantId: TenantId; id: WebhookEndpointId },
): Promise<boolean> {
  const rows = await db
    .delete(webhookEndpoints)
    .where(endpointScope(params.tenantId, params.id))
    .returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

export async function revealWebhookSecret(
  db: Database,
  params: { tenantId: TenantId; id: WebhookEndpointId; keyRing: KeyRing },
): Promise<string | undefined> {
  const [row] = await db
    .select({ secret: webhookEndpoints.secret })
    .from(webhookEndpoints)
    .where(endpointScope(params.tenantId, params.id));
  return row ? params.keyRing.decrypt(row.secret) : undefined;
}

/**
 * Replaces the secret at once: messages signed from now on use the new one. (A grace period signing with both, as
 * Standard Webhooks allows, would need a column for the previous secret.)
 */
export async function rotateWebhookSecret(
  db: Database,
  params: { tenantId: TenantId; id: WebhookEndpointId; keyRing: KeyRing },
): Promise<string | undefined> {
  const secret = generateWebhookSecret();
  const rows = await db
    .update(webhookEndpoints)
    .set({ secret: params.keyRing.encrypt(secret), updatedAt: new Date() })
    .where(endpointScope(params.tenantId, params.id))
    .returning({ id: webhookEndpoints.id });
  return rows.length > 0 ? secret : undefined;
}

/** Standard Webhooks message id: one per event, the same on every retry and for every endpoint. */
function newMessageId(): string {
  return `msg_${randomBytes(18).toString("base64url")}`;
}

function isWebhookEventType(type: string): type is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * The outbox: one pending delivery per enabled endpoint of the tenant that subscribes to `type`. Call it inside the
 * transaction that makes the change, so the event commits (or rolls back) with it, and enqueue the returned ids in
 * the same transaction (`enqueueWebhookDeliveries` with `sqlExecutorOf(tx)`); the sweeper re-enqueues any delivery
 * left pending.
 */
export async function emitWebhookEvent(
  db: Database,
  params: { tenantId: TenantId; type: string; data: unknown; now: Date },
): Promise<string[]> {
  if (!isWebhookEventType(params.type)) throw new RangeError(`unknown webhook event type "${params.type}"`);
  // One statement picks the subscribed endpoints and writes their deliveries: it runs inside every booking
  // transaction, so a round trip saved here is one per booking. An empty subscription list means "everything".
  const payload = JSON.stringify({ timestamp: params.now.toISOString(), data: params.data ?? null });
  const now = params.now.toISOString();
  const inserted = sql`
    insert into ${webhookDeliveries} (id, tenant_id, endpoint_id, message_id, event_type, payload, status,
                                      next_attempt_at, created_at, updated_at)
    select gen_random_uuid(), ${webhookEndpoints.tenantId}, ${webhookEndpoints.id}, ${newMessageId()}, ${params.type},
           ${payload}::jsonb, 'pending', ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz
      from ${webhookEndpoints}
     where ${webhookEndpoints.tenantId} = ${params.tenantId} and ${webhookEndpoints.enabled}
       and (jsonb_array_length(${webhookEndpoints.eventTypes}) = 0
            or ${webhookEndpoints.eventTypes} @> jsonb_build_array(${params.type}::text))
    returning id`;
  const { rows } = (await db.execute(inserted)) as unknown as { rows: Array<{ id: string }> };
  return rows.map(({ id }) => id);
}

/** One delivery of a `webhook.test` event to one endpoint, whatever it subscribes to. */
export async function emitTestWebhookEvent(
  db: Database,
  params: { tenantId: TenantId; endpointId: WebhookEndpointId; now: Date },
): Promise<WebhookDeliveryId> {
  const data = { endpointId: params.endpointId, message: "A test event sent from Calbridge." };
  const [id] = await insertDeliveries(db, {
    ...params,
    type: "webhook.test",
    data,
    endpointIds: [params.endpointId],
  });
  return id as WebhookDeliveryId;
}

async function insertDeliveries(
  db: Database,
  params: { tenantId: TenantId; type: string; data: unknown; now: Date; endpointIds: string[] },
): Promise<string[]> {
  if (params.endpointIds.length === 0) return [];
  const messageId = newMessageId();
  const payload = { timestamp: params.now.toISOString(), data: params.data ?? null };
  const rows = await db
    .insert(webhookDeliveries)
    .values(
      params.endpointIds.map((endpointId) => ({
        id: newId<WebhookDeliveryId>(),
        tenantId: params.tenantId,
        endpointId,
        messageId,
        eventType: params.type,
        payload,
        status: "pending",
        nextAttemptAt: params.now,
        createdAt: params.now,
        updatedAt: params.now,
      })),
    )
    .returning({ id: webhookDeliveries.id });
  return rows.map(({ id }) => id);
}

/** The delivery log of one endpoint, newest first; `after` is the last id of the previous page. */
export async function listWebhookDeliveries(
  db: Database,
  params: {
    tenantId: TenantId;
    endpointId: WebhookEndpointId;
    limit: number;
    after?: WebhookDeliveryId | undefined;
  },
): Promise<WebhookDeliveryRow[]> {
  const conditions = [
    eq(webhookDeliveries.tenantId, params.tenantId),
    eq(webhookDeliveries.endpointId, params.endpointId),
  ];
  if (params.after) {
    // Keyset pagination on (created_at, id); an unknown cursor makes the comparison null, so the page is empty.
    conditions.push(
      sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (select created_at, id from webhook_deliveries where id = ${params.after} and tenant_id = ${params.tenantId})`,
    );
  }
  return (await db
    .select()
    .from(webhookDeliveries)
    .where(and(...conditions))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(params.limit)) as WebhookDeliveryRow[];
}

export async function getWebhookDelivery(
  db: Database,
  params: { tenantId: TenantId; endpointId: WebhookEndpointId; id: WebhookDeliveryId },
): Promise<WebhookDeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.tenantId, params.tenantId),
        eq(webhookDeliveries.endpointId, params.endpointId),
        eq(webhookDeliveries.id, params.id),
      ),
    );
  return row as WebhookDeliveryRow | undefined;
}

/**
 * A manual retry: makes a finished delivery pending and due now. It gets one more attempt (more if that one fails
 * and the schedule is not exhausted). Answers `pending` when it is pending already and leaves it alone.
 */
export async function retryWebhookDelivery(
  db: Database,
  params: { tenantId: TenantId; endpointId: WebhookEndpointId; id: WebhookDeliveryId; now: Date },
): Promise<"retrying" | "pending" | "not_found"> {
  const rows = await db
    .update(webhookDeliveries)
    .set({ status: "pending", nextAttemptAt: params.now, updatedAt: params.now })
    .where(
      and(
        eq(webhookDeliveries.tenantId, params.tenantId),
        eq(webhookDeliveries.endpointId, params.endpointId),
        eq(webhookDeliveries.id, params.id),
        inArray(webhookDeliveries.status, ["succeeded", "failed", "endpoint_disabled"]),
      ),
    )
    .returning({ id: webhookDeliveries.id });
  if (rows.length > 0) return "retrying";
  return (await getWebhookDelivery(db, params)) ? "pending" : "not_found";
}

/** Pending deliveries the sweeper should (re-)enqueue. Crosses tenants: it is system work, not a caller's. */
export async function findDueWebhookDeliveries(
  db: Database,
  params: { now: Date; createdBefore: Date; limit: number },
): Promise<WebhookDeliveryId[]> {
  const rows = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.status, "pending"),
        lte(webhookDeliveries.nextAttemptAt, params.now),
        lte(webhookDeliveries.createdAt, params.createdBefore),
      ),
    )
    .orderBy(asc(webhookDeliveries.nextAttemptAt))
    .limit(params.limit);
  return rows.map(({ id }) => id as WebhookDeliveryId);
}
