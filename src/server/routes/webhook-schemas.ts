import { z } from "zod";
import { sanitiseExcerpt } from "../../outbound/response-excerpt.ts";
import {
  WEBHOOK_EVENT_TYPES,
  type WebhookDeliveryRow,
  type WebhookEndpointRow,
} from "../../store/webhooks-repository.ts";

// Request and response schemas of the webhook routes (src/server/routes/webhooks.ts).

const urlSchema = z
  .url({ protocol: /^https?$/, message: "url must be an http:// or https:// URL" })
  .max(2000)
  .meta({ description: "Where Calbridge POSTs the events", example: "https://app.example.com/calbridge" });

const eventTypesSchema = z
  .array(
    z.enum(WEBHOOK_EVENT_TYPES, {
      message: `event types must be among: ${WEBHOOK_EVENT_TYPES.join(", ")}`,
    }),
  )
  .max(WEBHOOK_EVENT_TYPES.length * 2)
  .meta({ description: "The event types this endpoint receives; empty or absent: all of them" });

export const endpointInputSchema = z
  .object({
    url: urlSchema,
    description: z.string().trim().max(500).nullable().optional(),
    eventTypes: eventTypesSchema.optional(),
  })
  .strict();

export const endpointPatchSchema = endpointInputSchema
  .partial()
  .extend({
    enabled: z.boolean().optional().meta({ description: "false pauses deliveries; true re-enables" }),
  })
  .strict();

export const endpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "WebhookEndpoint" });

export const secretSchema = z.object({
  secret: z.string().meta({ description: "The signing secret (whsec_...); keep it server-side" }),
});

export const deliverySchema = z
  .object({
    id: z.string(),
    endpointId: z.string(),
    messageId: z.string().meta({ description: "The webhook-id header: the same on every attempt" }),
    eventType: z.string(),
    payload: z.object({ timestamp: z.string(), data: z.unknown() }),
    status: z.enum(["pending", "succeeded", "failed", "endpoint_disabled"]),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    lastResponseBody: z.string().nullable().meta({
      description:
        "For a failed (non-2xx) text answer: its first 200 characters, control characters removed; otherwise null",
    }),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "WebhookDelivery" });

export function presentEndpoint(row: WebhookEndpointRow): z.infer<typeof endpointSchema> {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function presentDelivery(row: WebhookDeliveryRow): z.infer<typeof deliverySchema> {
  return {
    id: row.id,
    endpointId: row.endpointId,
    messageId: row.messageId,
    eventType: row.eventType,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    // Rows logged before excerpts were cut hold up to 1 KB of any answer: shown under today's rule.
    lastResponseBody:
      row.lastStatusCode !== null && row.lastStatusCode >= 200 && row.lastStatusCode < 300
        ? null
        : sanitiseExcerpt(row.lastResponseBody),
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
