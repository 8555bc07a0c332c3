import type PgBoss from "pg-boss";
import { type DeliveryResult, deliverWebhook } from "../notify/webhooks/deliver-webhook.ts";
import { MAX_WEBHOOK_ATTEMPTS, nextRetryDelayMs } from "../notify/webhooks/retry-schedule.ts";
import type { Logger } from "../observability/logger.ts";
import { redactExternalUrl } from "../observability/redact-url.ts";
import { createOutboundGuard, type OutboundGuard } from "../outbound/guarded-fetch.ts";
import type { KeyRing } from "../secrets/key-ring.ts";
import type { Database, SqlExecutor } from "../store/database.ts";
import type { TenantId } from "../store/ids.ts";
import {
  claimWebhookDelivery,
  disableWebhookEndpoint,
  recordWebhookAttempt,
} from "../store/webhook-delivery-attempts.ts";
import {
  findDueWebhookDeliveries,
  type WebhookDeliveryId,
  type WebhookDeliveryStatus,
} from "../store/webhooks-repository.ts";
import type { JobEngine } from "./job-engine.ts";

export const WEBHOOK_DELIVER_QUEUE = "webhook.deliver";
export const WEBHOOK_SWEEP_QUEUE = "webhook.sweep";

const DELIVERY_TIMEOUT_MS = 10_000;
/** Longer than one attempt can take (the 10 s timeout), so a live attempt's lease never runs out under it. */
const ATTEMPT_LEASE_MS = 120_000;
const CLOCK_TOLERANCE_MS = 5_000;
/** The sweeper leaves young deliveries to the job inserted with them (a retry may be waiting to run). */
const SWEEP_MIN_AGE_MS = 60_000;
const SWEEP_BATCH = 500;

interface DeliverJob {
  deliveryId: string;
}

/** Delay before attempt `failedAttempts + 1`, or undefined to give up; tests inject a short one. */
export type WebhookRetryDelay = (params: {
  failedAttempts: number;
  retryAfterMs?: number;
}) => number | undefined;

const standardRetryDelay: WebhookRetryDelay = (params) =>
  nextRetryDelayMs({ ...params, random: Math.random });

/**
 * Enqueues one delivery job per id. The singletonKey together with the queue's `short` policy keeps at most one
 * queued (not yet started) job per delivery, so the sweeper and the booking code can both enqueue safely.
 */
export async function enqueueWebhookDeliveries(
  jobs: JobEngine,
  deliveryIds: string[],
  options: { db?: SqlExecutor } = {},
): Promise<void> {
  await jobs.insert(webhookDeliveryJobs(deliveryIds), options);
}

/** The delivery jobs for some outbox rows, to insert together with other jobs (see `JobEngine.insert`). */
export function webhookDeliveryJobs(deliveryIds: string[]): PgBoss.JobInsert<DeliverJob>[] {
  return deliveryIds.map((deliveryId) => ({
    name: WEBHOOK_DELIVER_QUEUE,
    data: { deliveryId },
    singletonKey: deliveryId,
  }));
}

function sendDeliverJob(jobs: JobEngine, deliveryId: string, startAfterMs?: number) {
  return jobs.send<DeliverJob>(
    WEBHOOK_DELIVER_QUEUE,
    { deliveryId },
    {
      singletonKey: deliveryId,
      ...(startAfterMs === undefined ? {} : { startAfter: Math.max(1, Math.ceil(startAfterMs / 1000)) }),
    },
  );
}

export interface WebhookJobDeps {
  jobs: JobEngine;
  db: Database;
  keyRing: KeyRing;
  logger: Logger;
  /** The SSRF guard for endpoint URLs; without one every internal address is refused. */
  outbound?: OutboundGuard;
  now?: () => Date;
  retryDelay?: WebhookRetryDelay;
}

/** Registers the delivery queue and the every-minute sweeper that recovers deliveries whose enqueue was lost. */
export async function registerWebhookJobs(deps: WebhookJobDeps): Promise<void> {
  const { jobs } = deps;
  const now = deps.now ?? (() => new Date());
  await jobs.register<DeliverJob>({
    name: WEBHOOK_DELIVER_QUEUE,
    // Delivery failures are retried on our own schedule (the delivery log records each); pg-boss retries only
    // cover the job itself failing (database unreachable).
    retryLimit: 3,
    retryDelaySeconds: 10,
    expireInSeconds: 60,
    handle: (data) => attemptDelivery(deps, data.deliveryId as WebhookDeliveryId),
  });
  // `short`: one queued job per singletonKey (pg-boss's unique index on created jobs); a retry sent from a running
  // job is still accepted because the running one is no longer in the created state.
  await jobs.boss.updateQueue(WEBHOOK_DELIVER_QUEUE, {
    name: WEBHOOK_DELIVER_QUEUE,
    policy: "short",
    retryLimit: 3,
    retryDelay: 10,
    retryBackoff: true,
    expireInSeconds: 60,
  });
  await jobs.register<Record<string, never>>({
    name: WEBHOOK_SWEEP_QUEUE,
    retryLimit: 0,
    handle: async () => {
      await sweepWebhookDeliveries({ jobs, db: deps.db, now: now() });
    },
  });
  await jobs.boss.schedule(WEBHOOK_SWEEP_QUEUE, "* * * * *", {}, { singletonKey: WEBHOOK_SWEEP_QUEUE });
}

/** Enqueues pending deliveries that are due and older than a minute; returns how many it found. */
export async function sweepWebhookDeliveries(params: {
  jobs: JobEngine;
  db: Database;
  now: Date;
}): Promise<number> {
  const ids = await findDueWebhookDeliveries(params.db, {
    now: params.now,
    createdBefore: new Date(params.now.getTime() - SWEEP_MIN_AGE_MS),
    limit: SWEEP_BATCH,
  });
  await enqueueWebhookDeliveries(params.jobs, ids);
  return ids.length;
}

async function attemptDelivery(deps: WebhookJobDeps, id: WebhookDeliveryId): Promise<void> {
  const now = deps.now ?? (() => new Date());
  const claimed = await claimWebhookDelivery(deps.db, {
    id,
    now: now(),
    leaseMs: ATTEMPT_LEASE_MS,
    toleranceMs: CLOCK_TOLERANCE_MS,
  });
  // Not pending, not due or being attempted elsewhere: another job owns it.
  if (!claimed) return;
  const { delivery, endpoint } = claimed;
  const log = deps.logger.child({ deliveryId: id, endpointId: endpoint.id, eventType: delivery.eventType });
  const tenantId = delivery.tenantId as TenantId;
  const base = { tenantId, id, attempts: delivery.attempts };
  if (!endpoint.enabled) {
    await recordWebhookAttempt(deps.db, {
      ...base,
      ...unattempted("endpoint is disabled"),
      status: "endpoint_disabled",
      now: now(),
    });
    return;
  }
  let secret: string;
  try {
    secret = deps.keyRing.decrypt(endpoint.sealedSecret);
  } catch (error) {
    // A key missing from ENCRYPTION_KEYS: retrying cannot help until an operator fixes the configuration.
    log.error({ err: error }, "webhook secret cannot be decrypted");
    const reason = `secret cannot be decrypted: ${(error as Error).message}`;
    await recordWebhookAttempt(deps.db, { ...base, ...unattempted(reason), status: "failed", now: now() });
    return;
  }
  const result = await deliverWebhook({
    url: endpoint.url,
    secret,
    event: {
      id: delivery.messageId,
      type: delivery.eventType,
      timestamp: delivery.payload.timestamp,
      data: delivery.payload.data,
    },
    guard: deps.outbound ?? createOutboundGuard({ allow: [] }),
    timeoutMs: DELIVERY_TIMEOUT_MS,
    now,
  });
  const attempts = delivery.attempts + 1;
  const finishedAt = now();
  const outcome = decideNext({ result, attempts, retryDelay: deps.retryDelay ?? standardRetryDelay });
  const nextAttemptAt =
    outcome.retryInMs === undefined ? null : new Date(finishedAt.getTime() + outcome.retryInMs);
  // One transaction: a reader never sees the 410 logged while the endpoint is still enabled.
  await deps.db.transaction(async (tx) => {
    await recordWebhookAttempt(tx, {
      ...base,
      attempts,
      status: outcome.status,
      statusCode: result.status === 0 ? null : result.status,
      error: result.error ? `${result.error.kind}: ${result.error.message}` : null,
      responseBody: result.responseExcerpt,
      nextAttemptAt,
      now: finishedAt,
    });
    if (result.endpointGone) {
      const reason = `the receiver answered 410 Gone on ${finishedAt.toISOString()}`;
      await disableWebhookEndpoint(tx, { tenantId, id: endpoint.id, reason, now: finishedAt });
    }
  });
  log.info(
    { attempt: attempts, status: result.status, durationMs: result.durationMs, outcome: outcome.status },
    "webhook attempt",
  );
  if (result.endpointGone)
    log.warn({ url: redactExternalUrl(endpoint.url) }, "webhook endpoint disabled: 410 Gone");
  if (outcome.retryInMs !== undefined) await sendDeliverJob(deps.jobs, id, outcome.retryInMs);
}

function unattempted(error: string) {
  return { statusCode: null, error, responseBody: null, nextAttemptAt: null };
}

/** Succeeded, retried on the schedule, or failed for good (non-retryable answer, or attempts exhausted). */
export function decideNext(params: {
  result: DeliveryResult;
  attempts: number;
  retryDelay: WebhookRetryDelay;
}): { status: WebhookDeliveryStatus; retryInMs?: number } {
  const { result, attempts } = params;
  if (result.ok) return { status: "succeeded" };
  if (!result.retryable || attempts >= MAX_WEBHOOK_ATTEMPTS) return { status: "failed" };
  const retryInMs = params.retryDelay({
    failedAttempts: attempts,
    ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }),
  });
  return retryInMs === undefined ? { status: "failed" } : { status: "pending", retryInMs };
}
