import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { timeZoneSchema } from "../../core/schedules/schedule.ts";
import type { Database } from "../../store/database.ts";
import {
  DuplicateExternalIdError,
  deleteHost,
  getHost,
  type HostRow,
  insertHost,
  listHosts,
  updateHost,
} from "../../store/hosts-repository.ts";
import type { HostId } from "../../store/ids.ts";
import { requireTenant } from "../auth.ts";
import { AppError, notFound } from "../errors.ts";
import { idParam, paginationQuery, standardErrors } from "../schemas.ts";

const hostInputSchema = z
  .object({
    name: z.string().trim().min(1, "name is required").max(200),
    email: z.email({ message: "email must be an e-mail address" }).nullable().optional(),
    timeZone: timeZoneSchema.meta({
      description: "IANA time zone, e.g. Europe/Berlin",
      example: "Europe/Berlin",
    }),
    externalId: z
      .string()
      .min(1)
      .max(200)
      .nullable()
      .optional()
      .meta({ description: "Your app's id for this person (unique per tenant)" }),
  })
  .strict();

export const hostSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    timeZone: z.string(),
    externalId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Host" });

function presentHost(row: HostRow): z.infer<typeof hostSchema> {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    timeZone: row.timeZone,
    externalId: row.externalId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function conflictOnDuplicate(error: unknown): never {
  if (error instanceof DuplicateExternalIdError) throw new AppError("conflict", error.message);
  throw error;
}

const hostParams = z.object({ hostId: idParam("host id") });

/** Hosts: the people whose schedules and calendars Calbridge manages, always within the caller's tenant. */
export function hostRoutes(db: Database): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/hosts",
      {
        schema: {
          tags: ["Hosts"],
          summary: "Create a host",
          body: hostInputSchema,
          response: { 201: hostSchema, ...standardErrors, 409: standardErrors[400] },
        },
      },
      async (request, reply) => {
        const row = await insertHost(db, requireTenant(request), request.body).catch(conflictOnDuplicate);
        return reply.status(201).send(presentHost(row));
      },
    );

    app.get(
      "/hosts",
      {
        schema: {
          tags: ["Hosts"],
          summary: "List hosts",
          querystring: paginationQuery,
          response: {
            200: z.object({ data: z.array(hostSchema), nextCursor: z.string().nullable() }),
            ...standardErrors,
          },
        },
      },
      async (request) => {
        const { limit, after } = request.query;
        const rows = await listHosts(db, requireTenant(request), {
          limit,
          after: after as HostId | undefined,
        });
        return {
          data: rows.map(presentHost),
          nextCursor: rows.length === limit ? (rows.at(-1)?.id ?? null) : null,
        };
      },
    );

    app.get(
      "/hosts/:hostId",
      {
        schema: {
          tags: ["Hosts"],
          summary: "Get a host",
          params: hostParams,
          response: { 200: hostSchema, ...standardErrors },
        },
      },
      async (request) => {
        const row = await getHost(db, requireTenant(request), request.params.hostId as HostId);
        if (!row) throw notFound("host");
        return presentHost(row);
      },
    );

    app.patch(
      "/hosts/:hostId",
      {
        schema: {
          tags: ["Hosts"],
          summary: "Update a host",
          params: hostParams,
          body: hostInputSchema.partial(),
          response: { 200: hostSchema, ...standardErrors, 409: standardErrors[400] },
        },
      },
      async (request) => {
        const row = await updateHost(
          db,
          requireTenant(request),
          request.params.hostId as HostId,
          request.body,
        ).catch(conflictOnDuplicate);
        if (!row) throw notFound("host");
        return presentHost(row);
      },
    );

    app.delete(
      "/hosts/:hostId",
      {
        schema: {
          tags: ["Hosts"],
          summary: "Delete a host and its schedules",
          params: hostParams,
          response: { 204: z.null(), ...standardErrors },
        },
      },
      async (request, reply) => {
        if (!(await deleteHost(db, requireTenant(request), request.params.hostId as HostId)))
          throw notFound("host");
        return reply.status(204).send(null);
      },
    );
  };
}
