import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { SourceError } from "../../core/sync/calendar-source.ts";
import { getConnection } from "../../store/connections-repository.ts";
import type { Database } from "../../store/database.ts";
import type { HostId } from "../../store/ids.ts";
import { listRoomStates } from "../../store/resource-sync-repository.ts";
import type { ConnectionEvents } from "../../sync/connection-events.ts";
import type { SourceFactory } from "../../sync/sync-connection.ts";
import { requireTenant } from "../auth.ts";
import { AppError, notFound } from "../errors.ts";
import { errorResponseSchema, idParam, standardErrors } from "../schemas.ts";

export interface ConnectionRoomsDeps {
  db: Database;
  sources: SourceFactory;
  events: ConnectionEvents;
  /** MICROSOFT_ROOMS: without it Place.Read.All is never asked for, and rooms cannot be listed. */
  roomsEnabled: boolean;
}

const params = z.object({ hostId: idParam("host id"), connectionId: idParam("connection id") });
const query = z
  .object({
    roomList: z.email({ message: "roomList is the room list's email address" }).optional().meta({
      description: "Only the rooms of this room list (by its address)",
    }),
  })
  .strict();

const roomSchema = z
  .object({
    email: z.string(),
    name: z.string(),
    capacity: z.number().optional(),
    building: z.string().optional(),
    floor: z.string().optional(),
    sync: z
      .object({
        lastSuccessAt: z.string().nullable(),
        lastError: z.string().nullable(),
      })
      .nullable()
      .meta({ description: "How fresh its busy time is, once an event type names the room" }),
  })
  .meta({ id: "Room" });

function failure(error: SourceError): AppError {
  if (error.kind === "auth_revoked")
    return new AppError("conflict", "the connection needs to be connected again");
  if (error.kind === "rate_limited")
    return new AppError("rate_limited", "Microsoft Graph is throttling; try later");
  if (error.kind === "unavailable")
    return new AppError("unavailable", `the provider is unavailable: ${error.message}`);
  // 403 from /places: Place.Read.All is missing or without admin consent.
  return new AppError(
    "conflict",
    `the rooms could not be listed (${error.kind}): the account needs Place.Read.All with admin consent, on a work or school account`,
  );
}

/**
 * The rooms a Microsoft 365 connection can book (`/places`, Place.Read.All with admin consent): to pick the
 * `rooms` of an event type. Room lists too.
 */
export function connectionRoomRoutes(deps: ConnectionRoomsDeps): FastifyPluginAsyncZod {
  return async (app) => {
    async function sourceFor(
      request: { params: z.infer<typeof params> } & Parameters<typeof requireTenant>[0],
    ) {
      const row = await getConnection(deps.db, {
        tenantId: requireTenant(request),
        hostId: request.params.hostId as HostId,
        id: request.params.connectionId,
      });
      if (!row) throw notFound("connection");
      if (row.provider !== "microsoft")
        throw new AppError(
          "validation_failed",
          row.provider === "google"
            ? "Google Calendar does not list a domain's rooms (the Admin SDK does): name them in the event type by their resource calendar address"
            : "rooms are listed through a Microsoft 365 connection",
        );
      if (!deps.roomsEnabled)
        throw new AppError("conflict", "rooms are not enabled on this service (MICROSOFT_ROOMS=true)");
      if (row.accountKind === "personal")
        throw new AppError(
          "conflict",
          "rooms need a work or school Microsoft 365 account, not a personal one",
        );
      if (row.status !== "connected" && row.status !== "error")
        throw new AppError("conflict", `the connection is ${row.status}`);
      const built = deps.sources.build(row, {
        onAuthRevoked: async (error) => {
          await deps.events.move({ connectionId: row.id, to: "needs_reauth", error: error.message });
        },
      });
      if (!built.ok) throw failure(built.error);
      return { row, source: built.source };
    }

    app.get(
      "/hosts/:hostId/connections/:connectionId/rooms",
      {
        schema: {
          tags: ["Calendar connections"],
          summary: "Rooms the connection's organisation has (Microsoft 365 /places), all or one room list's",
          params,
          querystring: query,
          response: {
            200: z.object({ data: z.array(roomSchema) }),
            ...standardErrors,
            409: errorResponseSchema,
          },
        },
      },
      async (request) => {
        const { row, source } = await sourceFor(request);
        if (!source.listRooms) throw new AppError("validation_failed", "this provider has no rooms");
        const listed = await source.listRooms(
          request.query.roomList ? { roomList: request.query.roomList } : {},
        );
        if (!listed.ok) throw failure(listed.error);
        const states = new Map((await listRoomStates(deps.db, row.id)).map((state) => [state.email, state]));
        return {
          data: listed.value.map((room) => {
            const state = states.get(room.email);
            return {
              ...room,
              sync: state
                ? { lastSuccessAt: state.lastSuccessAt?.toISOString() ?? null, lastError: state.lastError }
                : null,
            };
          }),
        };
      },
    );
    app.get(
      "/hosts/:hostId/connections/:connectionId/room-lists",
      {
        schema: {
          tags: ["Calendar connections"],
          summary: "Room lists of the connection's organisation (Microsoft 365 /places)",
          params,
          response: {
            200: z.object({ data: z.array(z.object({ email: z.string(), name: z.string() })) }),
            ...standardErrors,
            409: errorResponseSchema,
          },
        },
      },
      async (request) => {
        const { source } = await sourceFor(request);
        if (!source.listRoomLists) throw new AppError("validation_failed", "this provider has no room lists");
        const listed = await source.listRoomLists();
        if (!listed.ok) throw failure(listed.error);
        return { data: listed.value };
      },
    );
  };
}
