import { and, eq } from "drizzle-orm";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { getConnection } from "../../store/connections-repository.ts";
import type { Database } from "../../store/database.ts";
import { clearDetails } from "../../store/event-details.ts";
import type { HostId, TenantId } from "../../store/ids.ts";
import { calendarConnections, calendarSyncStates } from "../../store/schema.ts";
import { requireTenant } from "../auth.ts";
import { notFound } from "../errors.ts";
import { idParam, standardErrors } from "../schemas.ts";
import { connectionSchema, presentConnection } from "./connections.ts";

export interface ConnectionSwitchDeps {
  db: Database;
  /** Availability of the host changed (the busy switch): cached slots are stale. */
  onAvailabilityChanged?: (change: { tenantId: TenantId; hostIds: HostId[] }) => void;
  /** The import switch went on: a sync (a full listing) fills the details. */
  requestSync?: (connectionId: string) => Promise<unknown>;
}

const params = z.object({ hostId: idParam("host id"), connectionId: idParam("connection id") });
const body = z
  .object({
    busy: z.boolean().optional().meta({ description: "Its calendars block availability (default on)" }),
    import: z
      .boolean()
      .optional()
      .meta({ description: "Keep its events' details for the agenda (default off)" }),
    export: z
      .boolean()
      .optional()
      .meta({ description: "Write bookings and managed events into it (default on)" }),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, "give at least one of busy, import, export");

/** The per-connection switches in one place: `busy`, `import`, `export`. */
export function connectionSwitchRoutes(deps: ConnectionSwitchDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.patch(
      "/hosts/:hostId/connections/:connectionId",
      {
        schema: {
          tags: ["Calendar connections"],
          summary:
            "Set the connection's switches: busy (blocks availability), import (agenda), export (writes)",
          params,
          body,
          response: { 200: connectionSchema, ...standardErrors },
        },
      },
      async (request) => {
        const tenantId = requireTenant(request);
        const hostId = request.params.hostId as HostId;
        const row = await getConnection(deps.db, { tenantId, hostId, id: request.params.connectionId });
        if (!row) throw notFound("connection");
        const { busy, import: importOn, export: exportOn } = request.body;
        const importStarts = importOn === true && !row.importEnabled;
        await deps.db.transaction(async (tx) => {
          await tx
            .update(calendarConnections)
            .set({
              ...(busy !== undefined ? { busyEnabled: busy } : {}),
              ...(importOn !== undefined ? { importEnabled: importOn } : {}),
              ...(exportOn !== undefined ? { exportEnabled: exportOn } : {}),
              updatedAt: new Date(),
            })
            .where(and(eq(calendarConnections.tenantId, tenantId), eq(calendarConnections.id, row.id)));
          // Details live only while import is on: they go with the switch, in its transaction (the sync's writes
          // check the switch in their own statement, so none can land after this commits).
          if (importOn === false) await clearDetails(tx, { tenantId, connectionId: row.id });
          // Deltas only carry changed events: the next sync lists every calendar afresh (a new generation, the
          // served rows keep serving meanwhile) so every event's details fill.
          if (importStarts)
            await tx
              .update(calendarSyncStates)
              .set({ cursor: null, stagingCursor: null, contentHash: null, updatedAt: new Date() })
              .where(
                and(eq(calendarSyncStates.tenantId, tenantId), eq(calendarSyncStates.connectionId, row.id)),
              );
        });
        if (busy !== undefined && busy !== row.busyEnabled)
          deps.onAvailabilityChanged?.({ tenantId, hostIds: [hostId] });
        if (importStarts) await deps.requestSync?.(row.id);
        return presentConnection((await getConnection(deps.db, { tenantId, hostId, id: row.id }))!);
      },
    );
  };
}
