import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type OutboundGuard, vetOutboundUrl } from "../../outbound/guarded-fetch.ts";
import { normaliseFeedUrl, requestUrls } from "../../providers/ics/fetch-feed.ts";
import type { KeyRing } from "../../secrets/key-ring.ts";
import {
  type ConnectionWithSync,
  deleteConnection,
  getConnection,
  insertConnection,
  listConnections,
} from "../../store/connections-repository.ts";
import type { Database } from "../../store/database.ts";
import { getHost } from "../../store/hosts-repository.ts";
import type { HostId } from "../../store/ids.ts";
import type { SyncOutcome } from "../../sync/sync-calendar.ts";
import { requireTenant } from "../auth.ts";
import { AppError, notFound } from "../errors.ts";
import { errorResponseSchema, idParam, standardErrors } from "../schemas.ts";

export interface ConnectionRouteDeps {
  db: Database;
  keyRing: KeyRing;
  /** The SSRF guard every tenant-given URL goes through (OUTBOUND_ALLOW). */
  outbound: OutboundGuard;
  /** Runs or enqueues a sync of the connection. */
  requestSync(connectionId: string): Promise<SyncOutcome | "queued" | undefined>;
}

const connectionSchema = z
  .object({
    id: z.string(),
    hostId: z.string(),
    provider: z.string(),
    displayName: z.string(),
    status: z.string().meta({ description: "pending, active, error, needs_reauth or blocked" }),
    lastSyncedAt: z.string().nullable().meta({ description: "Last successful sync" }),
    lastError: z.string().nullable(),
    calendars: z.array(
      z.object({
        ref: z.string(),
        lastAttemptAt: z.string().nullable(),
        lastSuccessAt: z.string().nullable(),
        lastError: z.string().nullable(),
        consecutiveFailures: z.number(),
      }),
    ),
    createdAt: z.string(),
  })
  .meta({ id: "CalendarConnection" });

const iso = (value: Date | null) => (value ? value.toISOString() : null);

function present(row: ConnectionWithSync): z.infer<typeof connectionSchema> {
  return {
    id: row.id,
    hostId: row.hostId,
    provider: row.provider,
    displayName: row.displayName,
    status: row.status,
    lastSyncedAt: iso(row.lastSyncedAt),
    lastError: row.lastError,
    calendars: row.sync.map((state) => ({
      ref: state.calendarRef,
      lastAttemptAt: iso(state.lastAttemptAt),
      lastSuccessAt: iso(state.lastSuccessAt),
      lastError: state.lastError,
      consecutiveFailures: state.consecutiveFailures,
    })),
    createdAt: row.createdAt.toISOString(),
  };
}

const hostParams = z.object({ hostId: idParam("host id") });
const connectionParams = hostParams.extend({ connectionId: idParam("connection id") });

const icsInput = z
  .object({
    provider: z.literal("ics"),
    url: z.string().min(1).max(4000).meta({
      description: "http(s):// or webcal:// URL of an .ics feed",
      example: "webcal://example.com/team.ics",
    }),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

/** Calendar connections of a host. This version connects read-only .ics feeds; the OAuth providers follow. */
export function connectionRoutes(deps: ConnectionRouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/hosts/:hostId/connections",
      {
        schema: {
          tags: ["Calendar connections"],
          summary: "Connect a calendar (an .ics feed URL); it is polled into the host's busy time",
          params: hostParams,
          body: icsInput,
          response: { 201: connectionSchema, ...standardErrors },
        },
      },
      async (request, reply) => {
        const tenantId = requireTenant(request);
        const host = await getHost(deps.db, tenantId, request.params.hostId as HostId);
        if (!host) throw notFound("host");
        const normalised = normaliseFeedUrl(request.body.url);
        if (!normalised.ok) throw new AppError("validation_failed", `url: ${normalised.message}`);
        // An early answer; the address policy judges again at every fetch, redirects included (DNS can change).
        const problem = await vetOutboundUrl(requestUrls(normalised.url)[0]!, deps.outbound);
        if (problem) throw new AppError("validation_failed", `url: ${problem.message}`);
        const row = await insertConnection(deps.db, {
          tenantId,
          hostId: host.id,
          provider: "ics",
          displayName: request.body.name ?? normalised.url.hostname,
          // The URL may carry a secret token or credentials: encrypted at rest, never shown again.
          credentials: deps.keyRing.encrypt(normalised.url.href),
          settings: {},
        });
        await deps.requestSync(row.id);
        const fresh = await getConnection(deps.db, { tenantId, id: row.id });
        return reply.status(201).send(present(fresh!));
      },
    );
    app.get(
      "/hosts/:hostId/connections",
      {
        schema: {
          tags: ["Calendar connections"],
          summary: "List a host's calendar connections with their sync health",
          params: hostParams,
          response: { 200: z.object({ data: z.array(connectionSchema) }), ...standardErrors },
        },
      },
      async (request) => {
        const tenantId = requireTenant(request);
        const host = await getHost(deps.db, tenantId, request.params.hostId as HostId);
        if (!host) throw notFound("host");
        return { data: (await listConnections(deps.db, tenantId, host.id)).map(present) };
      },
    );
    app.get(
      "/hosts/:hostId/connections/:connectionId",
      {
        schema: {
          tags: ["Calendar connections"],
          summary: "A connection with its last success, last error and per-calendar sync state",
          params: connectionParams,
          response: { 200: connectionSchema, ...standardErrors },
        },
      },
      async (request) => {
        const row = await getConnection(deps.db, {
          tenantId: requireTenant(request),
          hostId: request.params.hostId as HostId,
          id: request.params.connectionId,
        });
        if (!row) throw notFound("connection");
        return present(row);
      },
    );
    app.post(
      "/hosts/:hostId/connections/:connectionId/sync",
      {
        schema: {
          tags: ["Calendar connections"],
          summary: "Sync now",
          params: connectionParams,
          response: { 202: z.object({ status: z.string() }), ...standardErrors, 409: errorResponseSchema },
        },
      },
      async (request, reply) => {
        const row = await getConnection(deps.db, {
          tenantId: requireTenant(request),
          hostId: request.params.hostId as HostId,
          id: request.params.connectionId,
        });
        if (!row) throw notFound("connection");
        const outcome = await deps.requestSync(row.id);
        return reply
          .status(202)
          .send({ status: typeof outcome === "string" ? outcome : (outcome?.status ?? "queued") });
      },
    );
    app.delete(
      "/hosts/:hostId/connections/:connectionId",
      {
        schema: {
          tags: ["Calendar connections"],
          summary: "Disconnect (its busy time is removed)",
          params: connectionParams,
          response: { 204: z.null(), ...standardErrors },
        },
      },
      async (request, reply) => {
        const deleted = await deleteConnection(deps.db, {
          tenantId: requireTenant(request),
          hostId: request.params.hostId as HostId,
          id: request.params.connectionId,
        });
        if (!deleted) throw notFound("connection");
        return reply.status(204).send(null);
      },
    );
  };
}
