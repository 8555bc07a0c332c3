import { Readable } from "node:stream";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordAudit } from "../../audit/record-audit.ts";
import type { Database } from "../../store/database.ts";
import { HOST_EXPORT_FORMAT, readHostProfile, writeHostExport } from "../../store/host-export.ts";
import type { HostId } from "../../store/ids.ts";
import { auditContextOf } from "../auth.ts";
import { notFound } from "../errors.ts";
import { idParam, standardErrors } from "../schemas.ts";
import { hostSchema } from "./hosts.ts";

const rows = (description: string) => z.array(z.record(z.string(), z.unknown())).meta({ description });

/** Describes the document for the OpenAPI reference; the body itself is streamed, not serialised from it. */
const exportSchema = z
  .object({
    format: z.literal(HOST_EXPORT_FORMAT),
    exportedAt: z.string(),
    host: hostSchema,
    schedules: rows("Working hours, overrides, out of office"),
    connections: rows("Calendar connections, without credentials"),
    calendars: rows("The calendars of each connection and the host's choices for them"),
    eventTypes: rows("Event types the host takes bookings for"),
    bookings: rows("Bookings with the host, attendees included"),
    managedEvents: rows("The events Calbridge wrote into the host's calendars for bookings"),
    busyIntervals: rows("The cached busy time read from the host's calendars (times, status, provider ids)"),
    feeds: rows("The host's export feeds (their secret tokens are not stored and not shown)"),
    auditEntries: rows("Audit entries about the host: ids and codes only"),
  })
  .meta({ id: "HostExport" });

/**
 * `GET /v1/hosts/{hostId}/export`: everything held about the host as one JSON document (data portability,
 * GDPR art. 15/20). Streamed: rows are read in batches while the answer is written.
 */
export function hostExportRoutes(db: Database): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/hosts/:hostId/export",
      {
        schema: {
          tags: ["Data protection"],
          summary: "Export everything held about a host as one JSON document (streamed)",
          params: z.object({ hostId: idParam("host id") }),
          response: { 200: exportSchema, ...standardErrors },
        },
      },
      async (request, reply) => {
        const audit = auditContextOf(request);
        const hostId = request.params.hostId as HostId;
        const host = await readHostProfile(db, { tenantId: audit.tenantId, hostId });
        if (!host) throw notFound("host");
        // Recorded before the first byte: an export that breaks off half way was still an access.
        await recordAudit(db, { ...audit, action: "host.exported", target: { hostId }, outcome: "success" });
        const body = Readable.from(
          writeHostExport(db, { tenantId: audit.tenantId, host, exportedAt: new Date() }),
        );
        return (
          reply
            .header("content-type", "application/json; charset=utf-8")
            .header("content-disposition", `attachment; filename="host-${hostId}.json"`)
            // A stream is sent as it is (Fastify serialises no stream); the schema above documents what it writes.
            .send(body as unknown as z.infer<typeof exportSchema>)
        );
      },
    );
  };
}
