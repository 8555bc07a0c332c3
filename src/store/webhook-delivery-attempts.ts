import { and, eq, isNull, lte, or } from "drizzle-orm";
import { sanitiseExcerpt } from "../outbound/response-excerpt.ts";
import type { Database } from "./database.ts";
import type { TenantId } from "./ids.ts";
import { webhookDeliveries, webhookEndpoints } from "./schema.ts";
import type {
  WebhookDeliveryId,
  WebhookDeliveryRow,
  WebhookDeliveryStatus,
  WebhookEndpointId,
} from "./webhooks-repository.ts";

// The delivery job's side of the webhook tables. The job knows only a delivery id; every read and write after
// that is scoped by the delivery's tenant.

export interface ClaimedWebhookDelivery {
  delivery: WebhookDeliveryRow;
  endpoint: { id: WebhookEndpointId; url: string; enabled: boolean; sealedSecret: string };
}

/**
 * Takes a due, pending delivery for one attempt by pushing its next_attempt_at `leaseMs` ahead, in one conditional
 * UPDATE: a second job for the same delivery (the sweeper's, or pg-boss retrying a crashed one) finds it not due and
 * does nothing, so one attempt is never sent twice at once. A crash mid-attempt frees it when the lease runs out.
 * `toleranceMs` absorbs the difference between our clock and the database's, which times pg-boss's `startAfter`.
 */
export async function claimWebhookDelivery(
  db: Database,
  params: { id: WebhookDeliveryId; now: Date; leaseMs: number; toleranceMs: number },
): Promise<ClaimedWebhookDelivery | undefined> {
  const due = new Date(params.now.getTime() + params.toleranceMs);
  const [claimed] = await db
    .update(webhookDeliveries)
    .set({ nextAttemptAt: new Date(params.now.getTime() + params.leaseMs), updatedAt: params.now })
    .where(
      and(
        eq(webhookDeliveries.id, params.id),
        eq(webhookDeliveries.status, "pending"),
        or(isNull(webhookDeliveries.nextAttemptAt), lte(webhookDeliveries.nextAttemptAt, due)),
      ),
    )
    .returning();
  if (!claimed) return undefined;
  const [endpoint] = await db
    .select({
      id: webhookEndpoints.id,
      url: webhookEndpoints.url,
      enabled: webhookEndpoints.enabled,
      sealedSecret: webhookEndpoints.secret,
    })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, claimed.tenantId), eq(webhookEndpoints.id, claimed.endpointId)));
  if (!endpoint) return undefined;
  return {
    delivery: claimed as WebhookDeliveryRow,
    endpoint: endpoint as ClaimedWebhookDelivery["endpoint"],
  };
}

/** Stores one attempt's outcome in the delivery log and the delivery's next state. */
export async function recordWebhookAttempt(
  db: Database,
  params: {
    tenantId: TenantId;
    id: WebhookDeliveryId;
    attempts: number;
    status: WebhookDeliveryStatus;
    statusCode: number | null;
    error: string | null;
    /** The sanitised excerpt of a failed answer (responseExcerpt), or null. */
    responseBody: string | null;
    nextAttemptAt: Date | null;
    now: Date;
  },
): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({
      status: params.status,
      attempts: params.attempts,
      lastStatusCode: params.statusCode,
      lastError: params.error,
      // Sanitised again here so that no writer can put more of an answer into the log than its short excerpt.
      lastResponseBody: sanitiseExcerpt(params.responseBody),
      nextAttemptAt: params.nextAttemptAt,
      updatedAt: params.now,
    })
    .where(and(eq(webhookDeliveries.tenantId, params.tenantId), eq(webhookDeliveries.id, params.id)));
}

/**
 * Disables an endpoint (the receiver answered 410 Gone) and closes its other pending deliveries as
 * `endpoint_disabled`, so neither the jobs nor the sweeper keep trying. A manual retry reopens them.
 */
export async function disableWebhookEndpoint(
  db: Database,
  params: { tenantId: TenantId; id: WebhookEndpointId; reason: string; now: Date },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(webhookEndpoints)
      .set({ enabled: false, disabledReason: params.reason, updatedAt: params.now })
      .where(and(eq(webhookEndpoints.tenantId, params.tenantId), eq(webhookEndpoints.id, params.id)));
    await tx
      .update(webhookDeliveries)
      .set({ status: "endpoint_disabled", nextAttemptAt: null, updatedAt: params.now })
      .where(
        and(
          eq(webhookDeliveries.tenantId, params.tenantId),
          eq(webhookDeliveries.endpointId, params.id),
          eq(webhookDeliveries.status, "pending"),
        ),
      );
  });
}
