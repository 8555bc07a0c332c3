import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  AUDIT_ACTIONS,
  AUDIT_ACTOR_KINDS,
  AUDIT_OUTCOMES,
  auditDetailsSchema,
} from "../../audit/record-audit.ts";
import { type AuditRow, listAuditEntries } from "../../store/audit-log-repository.ts";
import type { Database } from "../../store/database.ts";
import { requireTenant } from "../auth.ts";
import { idParam, standardErrors } from "../schemas.ts";

export const auditEntrySchema = z
  .object({
    id: z.string().meta({ description: "Grows with every entry; also the pagination cursor" }),
    at: z.string(),
    actor: z.object({ kind: z.enum(AUDIT_ACTOR_KINDS), id: z.string().nullable() }),
    action: z.enum(AUDIT_ACTIONS),
    target: z.object({
      hostId: z.string().nullable(),
      connectionId: z.string().nullable(),
      bookingId: z.string().nullable(),
    }),
    provider: z.string().nullable(),
    outcome: z.enum(AUDIT_OUTCOMES),
    requestId: z.string().nullable(),
    details: auditDetailsSchema,
  })
  .meta({ id: "AuditEntry" });

export function presentAuditEntry(row: AuditRow): z.infer<typeof auditEntrySchema> {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    actor: { kind: row.actorKind as z.infer<typeof auditEntrySchema>["actor"]["kind"], id: row.actorId },
    action: row.action as z.infer<typeof auditEntrySchema>["action"],
    target: { hostId: row.hostId, connectionId: row.connectionId, bookingId: row.bookingId },
    provider: row.provider,
    outcome: row.outcome as z.infer<typeof auditEntrySchema>["outcome"],
    requestId: row.requestId,
    details: row.details as z.infer<typeof auditDetailsSchema>,
  };
}

const auditQuery = z
  .object({
    hostId: idParam("host id").optional(),
    action: z.enum(AUDIT_ACTIONS).optional(),
    actorKind: z.enum(AUDIT_ACTOR_KINDS).optional(),
    actorId: z
      .string()
      .max(100)
      .optional()
      .meta({ description: "The actor's id: an API key id, a booking id (attendee link), a job queue" }),
    from: z.iso.datetime({ offset: true }).optional().meta({ description: "Entries at or after this time" }),
    to: z.iso.datetime({ offset: true }).optional().meta({ description: "Entries before this time" }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .regex(/^[0-9]{1,18}$/, "cursor must be the nextCursor of the previous page")
      .optional(),
  })
  .strict();

/** The tenant's audit log, newest first: who accessed which host's calendar data, and security-relevant actions. */
export function auditRoutes(db: Database): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/audit",
      {
        schema: {
          tags: ["Audit"],
          summary: "Read the audit log (newest first), filtered by host, action, actor and time range",
          querystring: auditQuery,
          response: {
            200: z.object({ data: z.array(auditEntrySchema), nextCursor: z.string().nullable() }),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const query = request.query;
        const rows = await listAuditEntries(db, {
          tenantId: requireTenant(request),
          hostId: query.hostId,
          action: query.action,
          actorKind: query.actorKind,
          actorId: query.actorId,
          from: query.from ? new Date(query.from) : undefined,
          to: query.to ? new Date(query.to) : undefined,
          before: query.cursor ? Number(query.cursor) : undefined,
          limit: query.limit,
        });
        return {
          data: rows.map(presentAuditEntry),
          nextCursor: rows.length === query.limit ? String(rows.at(-1)!.id) : null,
        };
      },
    );
  };
}
