import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordAudit } from "../../audit/record-audit.ts";
import { type OutboundGuard, vetOutboundUrl } from "../../outbound/guarded-fetch.ts";
import type { CalDavConnector } from "../../providers/caldav/caldav-connect.ts";
import { normaliseFeedUrl, requestUrls } from "../../providers/ics/fetch-feed.ts";
import type { KeyRing } from "../../secrets/key-ring.ts";
import { clearBusyForConnection } from "../../store/busy-cache.ts";
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
import { queueSyncProgress } from "../../store/sync-progress.ts";
import { setCalendarChoices } from "../../store/sync-states-repository.ts";
import { findTenantById } from "../../store/tenants-repository.ts";
import {
  type ConnectFlowDeps,
  disconnect,
  type OAuthProviderKind,
  startConnect,
} from "../../sync/connect-flow.ts";
import type { ConnectionSyncOutcome } from "../../sync/sync-connection.ts";
import { auditContextOf, requireTenant } from "../auth.ts";
import { AppError, notFound } from "../errors.ts";
import { errorResponseSchema, idParam, standardErrors } from "../schemas.ts";
import { caldavInput, connectCalDav } from "./connect-caldav.ts";
import { returnUrlAllowed } from "./connect-return-urls.ts";

export interface ConnectionRouteDeps {
  db: Database;
  keyRing: KeyRing;
  /** The SSRF guard every tenant-given URL goes through (OUTBOUND_ALLOW). */
  outbound: OutboundGuard;
  /** Runs or enqueues a sync of the connection. */
  requestSync(connectionId: string): Promise<ConnectionSyncOutcome | "queued" | undefined>;
  /** The OAuth connect flow (Microsoft, Google); without it those providers answer "not available". */
  connect?: ConnectFlowDeps;
  /** CalDAV discovery (checks the server, user name and password before anything is stored). */
  caldav?: CalDavConnector;
  /** Return URLs of the OAuth flow allowed besides the tenant's connectReturnUrls (the host portal's own page). */
  ownReturnUrls?: readonly string[];
}

const warningSchema = z.object({
  code: z.enum(["expansion_truncated"]),
  message: z.string(),
  at: z.string().meta({ description: "When the sync that found it ran" }),
  unavailableFrom: z
    .string()
    .optional()
    .meta({ description: "From here on the calendar's busy time is unknown: the host is not offered" }),
});

const syncProgressSchema = z
  .object({
    state: z.enum(["queued", "running", "finished", "failed"]),
    calendarsDone: z.number().int(),
    calendarsTotal: z.number().int(),
    eventsSeen: z.number().int().meta({ description: "Events (changed or listed) read so far" }),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: "SyncProgress", description: "Progress of the connection's latest sync" });

const connectionSchema = z
  .object({
    id: z.string(),
    hostId: z.string(),
    provider: z.string(),
    displayName: z.string(),
    status: z.string().meta({
      description:
        "pending (waiting for the OAuth callback), connected, needs_reauth (the host must connect again), error " +
        "(failing; retried), blocked (the URL is refused by the address policy) or disconnected",
    }),
    account: z
      .object({ email: z.string().nullable(), kind: z.string().nullable() })
      .nullable()
      .meta({ description: "The provider account (OAuth connections): its address and work or personal" }),
    lastSyncedAt: z
      .string()
      .nullable()
      .meta({ description: "Last successful sync of every blocking calendar" }),
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    warnings: z.array(warningSchema.extend({ calendar: z.string() })).meta({
      description:
        "Problems of syncs that did not fail, from every calendar (e.g. expansion_truncated: an .ics feed with more " +
        "occurrences than are read per sync; the host is not offered from the cut on). The connection stays connected.",
    }),
    calendars: z.array(
      z.object({
        ref: z.string().meta({ description: "The provider's calendar id" }),
        name: z.string().nullable(),
        primary: z.boolean(),
        readOnly: z.boolean(),
        blocking: z
          .boolean()
          .meta({ description: "Whether its events take time out of the host's availability" }),
        receivesEvents: z.boolean().meta({ description: "Whether bookings are written into it" }),
        removed: z.boolean().meta({ description: "The provider no longer lists it; its busy time is gone" }),
        lastAttemptAt: z.string().nullable(),
        lastSuccessAt: z.string().nullable(),
        lastError: z.string().nullable(),
        consecutiveFailures: z.number(),
        warnings: z.array(warningSchema),
      }),
    ),
    switches: z
      .object({
        busy: z.boolean().meta({ description: "Its blocking calendars take time out of availability" }),
        import: z.boolean().meta({ description: "Its events' details are kept for the host's agenda" }),
        export: z.boolean().meta({ description: "Bookings and managed events are written into it" }),
      })
      .meta({ description: "Per-connection switches (PATCH the connection to change them)" }),
    syncProgress: syncProgressSchema.nullable(),
    createdAt: z.string(),
  })
  .meta({ id: "CalendarConnection" });

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export { connectionSchema, present as presentConnection };

function present(row: ConnectionWithSync): z.infer<typeof connectionSchema> {
  return {
    id: row.id,
    hostId: row.hostId,
    provider: row.provider,
    displayName: row.displayName,
    status: row.status,
    account: row.accountId ? { email: row.accountEmail, kind: row.accountKind } : null,
    lastSyncedAt: iso(row.lastSyncedAt),
    lastError: row.lastError,
    lastErrorAt: iso(row.lastErrorAt),
    warnings: row.sync.flatMap((state) =>
      state.removedAt === null
        ? state.warnings.map((warning) => ({ ...warning, calendar: state.calendarRef }))
        : [],
    ),
    calendars: row.sync.map((state) => ({
      ref: state.calendarRef,
      name: state.name,
      primary: state.isPrimary,
      readOnly: state.readOnly,
      blocking: state.blocking,
      receivesEvents: state.receivesEvents,
      removed: state.removedAt !== null,
      lastAttemptAt: iso(state.lastAttemptAt),
      lastSuccessAt: iso(state.lastSuccessAt),
      lastError: state.lastError,
      consecutiveFailures: state.consecutiveFailures,
      warnings: state.warnings,
    })),
    switches: { busy: row.busyEnabled, import: row.importEnabled, export: row.exportEnabled },
    syncProgress: row.syncProgress,
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

const oauthInput = z
  .object({
    provider: z.enum(["microsoft", "google"]),
    returnUrl: z
      .string()
      .min(1)
      .max(2000)
      .meta({
        description:
          "Where the browser goes back to after the provider's consent screen, with `status` (connected or failed), " +
          "`connection` and, on failure, `error` (e.g. access_denied, or scope_not_granted when a calendar permission was " +
          "unticked on Google's consent screen) in its query. Must start with one of the " +
          "tenant's `connectReturnUrls` (PATCH /v1/tenant).",
        example: "https://app.example.com/settings/calendars",
      }),
    loginHint: z
      .string()
      .max(320)
      .optional()
      .meta({ description: "Pre-fills the account on the sign-in page" }),
  })
  .strict();

const connectInput = z.discriminatedUnion("provider", [icsInput, oauthInput, caldavInput]);

const connectedSchema = connectionSchema
  .extend({
    authorizeUrl: z.string().optional().meta({
      description: "OAuth providers: send the host's browser here to grant access (valid 10 minutes)",
    }),
  })
  .meta({ id: "CalendarConnectionCreated" });

const calendarsPatch = z
  .object({
    calendars: z
      .array(
        z
          .object({
            ref: z.string().min(1).max(1000),
            blocking: z.boolean().optional(),
            receivesEvents: z.boolean().optional(),
          })
          .strict(),
      )
      .min(1)
      .max(200),
  })
  .strict();

/** Calendar connections of a host: .ics feeds, CalDAV accounts, and Microsoft 365 and Google Calendar through the OAuth connect flow. */
/** "Sync now": marks the progress queued and asks for the sync; answers with the progress as it stands. */
async function syncNow(deps: Pick<ConnectionRouteDeps, "db" | "requestSync">, row: ConnectionWithSync) {
  const calendarsTotal = row.sync.filter((state) => state.blocking && state.removedAt === null).length;
  await queueSyncProgress(deps.db, { connectionId: row.id, calendarsTotal, at: new Date() });
  const outcome = await deps.requestSync(row.id);
  const current = await getConnection(deps.db, { tenantId: row.tenantId, id: row.id });
  return {
    status: typeof outcome === "string" ? outcome : (outcome?.status ?? "queued"),
    progress: current?.syncProgress ?? null,
  };
}

const syncAnswer = z.object({ status: z.string(), progress: syncProgressSchema.nullable() });

/**
 * "Sync now" by the connection alone (#18: the agenda's "import now" button), for the tenant API only: the portal's
 * routes all name their host.
 */
export function connectionSyncRoutes(
  deps: Pick<ConnectionRouteDeps, "db" | "requestSync">,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/connections/:connectionId/sync",
      {
        schema: {
          tags: ["Calendar connections"],
          summary: "Sync now, by the connection alone (GET on the connection reports the progress)",
          params: z.object({ connectionId: idParam("connection id") }),
          response: { 202: syncAnswer, ...standardErrors },
        },
      },
      async (request, reply) => {
        const row = await getConnection(deps.db, {
          tenantId: requireTenant(request),
          id: request.params.connectionId,
        });
        if (!row) throw notFound("connection");
        return reply.status(202).send(await syncNow(deps, row));
      },
    );
  };
}

export function connectionRoutes(deps: ConnectionRouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/hosts/:hostId/connections",
      {
        schema: {
          tags: ["Calendar connections"],
          summary:
            "Connect a calendar: an .ics feed URL (polled at once), a CalDAV account such as iCloud, Fastmail or " +
            "Nextcloud (user name and app-specific password, checked at once), or Microsoft 365 (answers a pending " +
            "connection and the authorize URL to send the host to)",
          params: hostParams,
          body: connectInput,
          response: { 201: connectedSchema, ...standardErrors },
        },
      },
      async (request, reply) => {
        const tenantId = requireTenant(request);
        const host = await getHost(deps.db, tenantId, request.params.hostId as HostId);
        if (!host) throw notFound("host");
        if (request.body.provider === "caldav") {
          const row = await connectCalDav(deps, { tenantId, hostId: host.id, input: request.body });
          await deps.requestSync(row.id);
          return reply.status(201).send(present((await getConnection(deps.db, { tenantId, id: row.id }))!));
        }
        if (request.body.provider !== "ics") {
          const provider: OAuthProviderKind = request.body.provider;
          if (!deps.connect?.connectors[provider])
            throw new AppError(
              "validation_failed",
              `provider: ${provider} connections are not available in this version`,
            );
          const tenant = await findTenantById(deps.db, tenantId);
          const allowed = returnUrlAllowed(request.body.returnUrl, [
            ...(tenant?.connectReturnUrls ?? []),
            ...(deps.ownReturnUrls ?? []),
          ]);
          if (!allowed.ok) throw new AppError("validation_failed", `returnUrl: ${allowed.message}`);
          const started = await startConnect(deps.connect, {
            tenantId,
            hostId: host.id,
            provider,
            returnUrl: allowed.url,
            ...(request.body.loginHint ? { loginHint: request.body.loginHint } : {}),
          });
          const created = await getConnection(deps.db, { tenantId, id: started!.connection.id });
          return reply.status(201).send({ ...present(created!), authorizeUrl: started!.authorizeUrl });
        }
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
    // "Sync now": the host's path and the short one (#18: the agenda's "import now" button).
    app.post(
      "/hosts/:hostId/connections/:connectionId/sync",
      {
        schema: {
          tags: ["Calendar connections"],
          summary: "Sync now (GET on the connection reports the progress until it finishes)",
          params: connectionParams,
          response: { 202: syncAnswer, ...standardErrors, 409: errorResponseSchema },
        },
      },
      async (request, reply) => {
        const row = await getConnection(deps.db, {
          tenantId: requireTenant(request),
          hostId: request.params.hostId as HostId,
          id: request.params.connectionId,
        });
        if (!row) throw notFound("connection");
        return reply.status(202).send(await syncNow(deps, row));
      },
    );
    app.patch(
      "/hosts/:hostId/connections/:connectionId/calendars",
      {
        schema: {
          tags: ["Calendar connections"],
          summary:
            "Choose per calendar whether it blocks availability and which one receives bookings (a calendar that " +
            "starts blocking is synced at once; one that stops loses its busy time)",
          params: connectionParams,
          body: calendarsPatch,
          response: { 200: connectionSchema, ...standardErrors },
        },
      },
      async (request) => {
        const tenantId = requireTenant(request);
        const hostId = request.params.hostId as HostId;
        const row = await getConnection(deps.db, { tenantId, hostId, id: request.params.connectionId });
        if (!row) throw notFound("connection");
        const known = new Map(
          row.sync.filter((state) => state.removedAt === null).map((state) => [state.calendarRef, state]),
        );
        const receivers = request.body.calendars.filter((choice) => choice.receivesEvents === true);
        if (receivers.length > 1)
          throw new AppError("validation_failed", "calendars: only one calendar can receive events");
        for (const choice of request.body.calendars) {
          const state = known.get(choice.ref);
          if (!state)
            throw new AppError(
              "validation_failed",
              `calendars: no calendar "${choice.ref.slice(0, 200)}" in this connection`,
            );
          if (choice.receivesEvents && state.readOnly)
            throw new AppError(
              "validation_failed",
              `calendars: "${state.name ?? choice.ref}" is read-only and cannot receive events`,
            );
        }
        const now = new Date();
        let resync = false;
        for (const choice of request.body.calendars) {
          const state = known.get(choice.ref)!;
          const blockingChanged = choice.blocking !== undefined && choice.blocking !== state.blocking;
          await setCalendarChoices(deps.db, {
            tenantId,
            connectionId: row.id,
            calendarRef: choice.ref,
            ...(blockingChanged ? { blocking: choice.blocking } : {}),
            ...(choice.receivesEvents !== undefined ? { receivesEvents: choice.receivesEvents } : {}),
            now,
          });
          if (blockingChanged && choice.blocking === false)
            await clearBusyForConnection(deps.db, {
              tenantId,
              connectionId: row.id,
              calendarRef: choice.ref,
            });
          resync ||= blockingChanged && choice.blocking === true;
        }
        if (resync) await deps.requestSync(row.id);
        return present((await getConnection(deps.db, { tenantId, hostId, id: row.id }))!);
      },
    );
    app.delete(
      "/hosts/:hostId/connections/:connectionId",
      {
        schema: {
          tags: ["Calendar connections"],
          summary:
            "Disconnect: its busy time and tokens are removed (an OAuth connection stays as disconnected, so " +
            "reconnecting the same account restores it)",
          params: connectionParams,
          response: { 204: z.null(), ...standardErrors },
        },
      },
      async (request, reply) => {
        const tenantId = requireTenant(request);
        const hostId = request.params.hostId as HostId;
        const row = await getConnection(deps.db, { tenantId, hostId, id: request.params.connectionId });
        if (!row) throw notFound("connection");
        const by = auditContextOf(request);
        if (row.provider === "ics" || !deps.connect || row.accountId === null) {
          await deleteConnection(deps.db, { tenantId, hostId, id: row.id });
          await recordAudit(deps.db, {
            ...by,
            action: "connection.disconnected",
            target: { hostId, connectionId: row.id },
            provider: row.provider,
            outcome: "success",
          });
        } else {
          // Kept as disconnected: reconnecting the same account finds it again, with what is mapped to it.
          await disconnect(deps.connect, row, by);
        }
        return reply.status(204).send(null);
      },
    );
  };
}
