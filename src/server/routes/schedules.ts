import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { scheduleRulesSchema } from "../../core/schedules/schedule.ts";
import type { Database } from "../../store/database.ts";
import {
  deleteSchedule,
  getHost,
  getSchedule,
  insertSchedule,
  listSchedules,
  replaceSchedule,
  type ScheduleRow,
} from "../../store/hosts-repository.ts";
import type { HostId, ScheduleId, TenantId } from "../../store/ids.ts";
import { requireTenant } from "../auth.ts";
import { notFound } from "../errors.ts";
import { idParam, standardErrors } from "../schemas.ts";

const scheduleInputSchema = z
  .object({
    name: z.string().trim().min(1).max(200).default("Working hours"),
    isDefault: z
      .boolean()
      .default(false)
      .meta({ description: "The schedule availability uses for this host" }),
  })
  .and(scheduleRulesSchema)
  .meta({
    example: {
      name: "Working hours",
      timeZone: "Europe/Berlin",
      weekly: {
        mon: [["09:00", "17:00"]],
        tue: [
          ["09:00", "12:00"],
          ["13:00", "17:00"],
        ],
      },
      overrides: [{ date: "2030-03-13", intervals: [["10:00", "14:00"]] }],
      outOfOffice: [{ start: "2030-04-01T00:00:00Z", end: "2030-04-08T00:00:00Z", reason: "Holiday" }],
    },
  });

const wallInterval = z.tuple([z.string(), z.string()]);
export const scheduleSchema = z
  .object({
    id: z.string(),
    hostId: z.string(),
    name: z.string(),
    isDefault: z.boolean(),
    timeZone: z.string(),
    weekly: z.record(z.string(), z.array(wallInterval)),
    overrides: z.array(z.object({ date: z.string(), intervals: z.array(wallInterval) })),
    outOfOffice: z.array(z.object({ start: z.string(), end: z.string(), reason: z.string().optional() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Schedule" });

function presentSchedule(row: ScheduleRow): z.infer<typeof scheduleSchema> {
  return {
    id: row.id,
    hostId: row.hostId,
    name: row.name,
    isDefault: row.isDefault,
    timeZone: row.timeZone,
    weekly: row.weekly as Record<string, Array<[string, string]>>,
    overrides: row.overrides,
    outOfOffice: row.outOfOffice,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const hostParams = z.object({ hostId: idParam("host id") });
const scheduleParams = hostParams.extend({ scheduleId: idParam("schedule id") });

async function requireHost(db: Database, tenantId: TenantId, hostId: string): Promise<HostId> {
  const host = await getHost(db, tenantId, hostId as HostId);
  if (!host) throw notFound("host");
  return host.id;
}

/** Schedules: weekly working hours in an IANA zone, date overrides and out-of-office ranges of one host. */
export function scheduleRoutes(db: Database): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/hosts/:hostId/schedules",
      {
        schema: {
          tags: ["Schedules"],
          summary: "Create a schedule for a host",
          params: hostParams,
          body: scheduleInputSchema,
          response: { 201: scheduleSchema, ...standardErrors },
        },
      },
      async (request, reply) => {
        const tenantId = requireTenant(request);
        const hostId = await requireHost(db, tenantId, request.params.hostId);
        const { name, isDefault, ...rules } = request.body;
        const row = await insertSchedule(db, { tenantId, hostId, name, isDefault, rules });
        return reply.status(201).send(presentSchedule(row));
      },
    );

    app.get(
      "/hosts/:hostId/schedules",
      {
        schema: {
          tags: ["Schedules"],
          summary: "List a host's schedules",
          params: hostParams,
          response: { 200: z.object({ data: z.array(scheduleSchema) }), ...standardErrors },
        },
      },
      async (request) => {
        const tenantId = requireTenant(request);
        const hostId = await requireHost(db, tenantId, request.params.hostId);
        return { data: (await listSchedules(db, tenantId, hostId)).map(presentSchedule) };
      },
    );

    app.get(
      "/hosts/:hostId/schedules/:scheduleId",
      {
        schema: {
          tags: ["Schedules"],
          summary: "Get a schedule",
          params: scheduleParams,
          response: { 200: scheduleSchema, ...standardErrors },
        },
      },
      async (request) => {
        const tenantId = requireTenant(request);
        const row = await getSchedule(db, {
          tenantId,
          hostId: request.params.hostId as HostId,
          id: request.params.scheduleId as ScheduleId,
        });
        if (!row) throw notFound("schedule");
        return presentSchedule(row);
      },
    );

    app.put(
      "/hosts/:hostId/schedules/:scheduleId",
      {
        schema: {
          tags: ["Schedules"],
          summary: "Replace a schedule",
          params: scheduleParams,
          body: scheduleInputSchema,
          response: { 200: scheduleSchema, ...standardErrors },
        },
      },
      async (request) => {
        const tenantId = requireTenant(request);
        const { name, isDefault, ...rules } = request.body;
        const row = await replaceSchedule(db, {
          tenantId,
          hostId: request.params.hostId as HostId,
          id: request.params.scheduleId as ScheduleId,
          name,
          isDefault,
          rules,
        });
        if (!row) throw notFound("schedule");
        return presentSchedule(row);
      },
    );

    app.delete(
      "/hosts/:hostId/schedules/:scheduleId",
      {
        schema: {
          tags: ["Schedules"],
          summary: "Delete a schedule",
          params: scheduleParams,
          response: { 204: z.null(), ...standardErrors },
        },
      },
      async (request, reply) => {
        const deleted = await deleteSchedule(db, {
          tenantId: requireTenant(request),
          hostId: request.params.hostId as HostId,
          id: request.params.scheduleId as ScheduleId,
        });
        if (!deleted) throw notFound("schedule");
        return reply.status(204).send(null);
      },
    );
  };
}
