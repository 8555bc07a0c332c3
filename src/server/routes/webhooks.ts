import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { JobEngine } from "../../jobs/job-engine.ts";
import { enqueueWebhookDeliveries } from "../../jobs/webhook-jobs.ts";
import { createOutboundGuard, type OutboundGuard, vetOutboundUrl } from "../../outbound/guarded-fetch.ts";
import type { KeyRing } from "../../secrets/key-ring.ts";
import type { Database } from "../../store/database.ts";
import {
  deleteWebhookEndpoint,
  emitTestWebhookEvent,
  getWebhookDelivery,
  getWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  retryWebhookDelivery,
  revealWebhookSecret,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  WEBHOOK_EVENT_TYPES,
  type WebhookDeliveryId,
  type WebhookEndpointId,
} from "../../store/webhooks-repository.ts";
import { requireTenant } from "../auth.ts";
import { AppError, notFound } from "../errors.ts";
import { idParam, paginationQuery, standardErrors } from "../schemas.ts";
import {
  deliverySchema,
  endpointInputSchema,
  endpointPatchSchema,
  endpointSchema,
  presentDelivery,
  presentEndpoint,
  secretSchema,
} from "./webhook-schemas.ts";

const endpointParams = z.object({ endpointId: idParam("webhook endpoint id") });
const deliveryParams = endpointParams.extend({ deliveryId: idParam("webhook delivery id") });
const tags = ["Webhooks"];
const withConflict = { ...standardErrors, 409: standardErrors[400] };

/**
 * Outbound webhook endpoints of the caller's tenant, their secrets and delivery logs. Without a job engine
 * (`jobs`), test and retried deliveries wait for the every-minute sweeper instead of being enqueued at once.
 * Endpoint URLs go through the outbound SSRF guard (`outbound`; without one, every internal address is refused).
 */
export function webhookRoutes(deps: {
  db: Database;
  keyRing: KeyRing;
  jobs?: JobEngine | undefined;
  outbound?: OutboundGuard | undefined;
}): FastifyPluginAsyncZod {
  const { db, keyRing } = deps;
  const outbound = deps.outbound ?? createOutboundGuard({ allow: [] });
  /** An early 400 for a URL the delivery would refuse; each delivery checks again, at connect time. */
  const vetUrl = async (url: string | undefined) => {
    if (url === undefined) return;
    const problem = await vetOutboundUrl(new URL(url), outbound);
    if (problem) throw new AppError("validation_failed", `url: ${problem.message}`);
  };
  const enqueue = async (ids: string[]) => {
    if (deps.jobs) await enqueueWebhookDeliveries(deps.jobs, ids);
  };
  const requireEndpoint = async (tenantId: ReturnType<typeof requireTenant>, id: string) => {
    const endpoint = await getWebhookEndpoint(db, { tenantId, id: id as WebhookEndpointId });
    if (!endpoint) throw notFound("webhook endpoint");
    return endpoint;
  };

  return async (app) => {
    app.post(
      "/webhook-endpoints",
      {
        schema: {
          tags,
          summary: "Register a webhook endpoint",
          description: `Event types: ${WEBHOOK_EVENT_TYPES.join(", ")}. The secret is shown here and by the secret route.`,
          body: endpointInputSchema,
          response: { 201: endpointSchema.extend(secretSchema.shape), ...standardErrors },
        },
      },
      async (request, reply) => {
        const tenantId = requireTenant(request);
        await vetUrl(request.body.url);
        const { endpoint, secret } = await insertWebhookEndpoint(db, {
          tenantId,
          keyRing,
          input: request.body,
        });
        return reply.status(201).send({ ...presentEndpoint(endpoint), secret });
      },
    );

    app.get(
      "/webhook-endpoints",
      {
        schema: {
          tags,
          summary: "List webhook endpoints",
          querystring: paginationQuery,
          response: {
            200: z.object({ data: z.array(endpointSchema), nextCursor: z.string().nullable() }),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const { limit, after } = request.query;
        const rows = await listWebhookEndpoints(db, {
          tenantId: requireTenant(request),
          limit,
          after: after as WebhookEndpointId | undefined,
        });
        return {
          data: rows.map(presentEndpoint),
          nextCursor: rows.length === limit ? (rows.at(-1)?.id ?? null) : null,
        };
      },
    );

    app.get(
      "/webhook-endpoints/:endpointId",
      {
        schema: {
          tags,
          summary: "Get a webhook endpoint",
          params: endpointParams,
          response: { 200: endpointSchema, ...standardErrors },
        },
      },
      async (request) =>
        presentEndpoint(await requireEndpoint(requireTenant(request), request.params.endpointId)),
    );

    app.patch(
      "/webhook-endpoints/:endpointId",
      {
        schema: {
          tags,
          summary: "Update a webhook endpoint",
          description:
            "`enabled: true` re-enables an endpoint that was disabled (for example after a 410 Gone).",
          params: endpointParams,
          body: endpointPatchSchema,
          response: { 200: endpointSchema, ...standardErrors },
        },
      },
      async (request) => {
        await vetUrl(request.body.url);
        const row = await updateWebhookEndpoint(db, {
          tenantId: requireTenant(request),
          id: request.params.endpointId as WebhookEndpointId,
          patch: request.body,
        });
        if (!row) throw notFound("webhook endpoint");
        return presentEndpoint(row);
      },
    );

    app.delete(
      "/webhook-endpoints/:endpointId",
      {
        schema: {
          tags,
          summary: "Delete a webhook endpoint and its delivery log",
          params: endpointParams,
          response: { 204: z.null(), ...standardErrors },
        },
      },
      async (request, reply) => {
        const id = request.params.endpointId as WebhookEndpointId;
        if (!(await deleteWebhookEndpoint(db, { tenantId: requireTenant(request), id })))
          throw notFound("webhook endpoint");
        return reply.status(204).send(null);
      },
    );

    // Reading and replacing the secret differ only in the repository call.
    const secretRoutes = [
      {
        method: "GET",
        url: "/webhook-endpoints/:endpointId/secret",
        summary: "Reveal the endpoint's signing secret",
        description: "The secret the endpoint's messages are signed with.",
        read: revealWebhookSecret,
      },
      {
        method: "POST",
        url: "/webhook-endpoints/:endpointId/rotate-secret",
        summary: "Replace the endpoint's signing secret",
        description: "Takes effect at once: messages sent from now on are signed with the new secret only.",
        read: rotateWebhookSecret,
      },
    ] as const;
    for (const { method, url, summary, description, read } of secretRoutes) {
      app.route({
        method,
        url,
        schema: {
          tags,
          summary,
          description,
          params: endpointParams,
          response: { 200: secretSchema, ...standardErrors },
        },
        handler: async (request) => {
          const id = request.params.endpointId as WebhookEndpointId;
          const secret = await read(db, { tenantId: requireTenant(request), id, keyRing });
          if (secret === undefined) throw notFound("webhook endpoint");
          return { secret };
        },
      });
    }

    app.post(
      "/webhook-endpoints/:endpointId/test",
      {
        schema: {
          tags,
          summary: "Send a webhook.test event to the endpoint",
          params: endpointParams,
          response: { 202: deliverySchema, ...withConflict },
        },
      },
      async (request, reply) => {
        const tenantId = requireTenant(request);
        const endpoint = await requireEndpoint(tenantId, request.params.endpointId);
        if (!endpoint.enabled) throw new AppError("conflict", "The endpoint is disabled; enable it first.");
        const id = await emitTestWebhookEvent(db, { tenantId, endpointId: endpoint.id, now: new Date() });
        await enqueue([id]);
        const delivery = await getWebhookDelivery(db, { tenantId, endpointId: endpoint.id, id });
        return reply.status(202).send(presentDelivery(delivery!));
      },
    );

    app.get(
      "/webhook-endpoints/:endpointId/deliveries",
      {
        schema: {
          tags,
          summary: "The endpoint's delivery log, newest first",
          params: endpointParams,
          querystring: paginationQuery,
          response: {
            200: z.object({ data: z.array(deliverySchema), nextCursor: z.string().nullable() }),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const tenantId = requireTenant(request);
        const endpoint = await requireEndpoint(tenantId, request.params.endpointId);
        const { limit, after } = request.query;
        const rows = await listWebhookDeliveries(db, {
          tenantId,
          endpointId: endpoint.id,
          limit,
          after: after as WebhookDeliveryId | undefined,
        });
        return {
          data: rows.map(presentDelivery),
          nextCursor: rows.length === limit ? (rows.at(-1)?.id ?? null) : null,
        };
      },
    );

    app.post(
      "/webhook-endpoints/:endpointId/deliveries/:deliveryId/retry",
      {
        schema: {
          tags,
          summary: "Send a delivery again",
          description:
            "For a succeeded, failed or endpoint_disabled delivery; 409 while it is still pending.",
          params: deliveryParams,
          response: { 202: deliverySchema, ...withConflict },
        },
      },
      async (request, reply) => {
        const tenantId = requireTenant(request);
        const endpoint = await requireEndpoint(tenantId, request.params.endpointId);
        if (!endpoint.enabled) throw new AppError("conflict", "The endpoint is disabled; enable it first.");
        const key = { tenantId, endpointId: endpoint.id, id: request.params.deliveryId as WebhookDeliveryId };
        const outcome = await retryWebhookDelivery(db, { ...key, now: new Date() });
        if (outcome === "not_found") throw notFound("webhook delivery");
        if (outcome === "pending") throw new AppError("conflict", "The delivery is pending already.");
        await enqueue([key.id]);
        return reply.status(202).send(presentDelivery((await getWebhookDelivery(db, key))!));
      },
    );
  };
}
