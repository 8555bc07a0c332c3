import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { recordAudit } from "../../audit/record-audit.ts";
import {
  applyBookingPageSettings,
  bookingPageSettingsSchema,
} from "../../core/bookings/booking-page-settings.ts";
import type { Database } from "../../store/database.ts";
import {
  ATTENDEE_INVITATIONS,
  CALENDAR_CHANGE_POLICIES,
  createApiKey,
  ERASURE_MODES,
  findTenantById,
  listApiKeys,
  revokeApiKey,
  type TenantRow,
  updateTenantSettings,
} from "../../store/tenants-repository.ts";
import { auditContextOf, requireTenant } from "../auth.ts";
import { AppError, notFound } from "../errors.ts";
import { idParam, standardErrors } from "../schemas.ts";
import { checkReturnUrlPrefix } from "./connect-return-urls.ts";

const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: "ApiKey" });

const iso = (value: Date | null) => (value ? value.toISOString() : null);

const tenantSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    connectReturnUrls: z.array(z.string()).meta({
      description:
        "URL prefixes the calendar connect flow may send the browser back to (see POST .../connections)",
    }),
    attendeeInvitations: z.enum(ATTENDEE_INVITATIONS).meta({
      description:
        "Who invites the attendee when a booking is written into a host's calendar: `provider` (default: the " +
        "attendee is on the Outlook event and Outlook invites; Calbridge does not mail them the same invitation) " +
        "or `calbridge` (the event is written without attendees; Calbridge's mail invites). See docs/write-back.md.",
    }),
    erasure: z.enum(ERASURE_MODES).meta({
      description:
        "What erasing a host (POST /v1/hosts/{hostId}/erase) does with the bookings only that host took: " +
        "`anonymise` (default: kept for the tenant's records, attendee name, e-mail, answers and notes replaced) " +
        "or `delete`",
    }),
    calendarChangePolicy: z.enum(CALENDAR_CHANGE_POLICIES).meta({
      description:
        "What a host's move or deletion of a managed event in their calendar does: `accept` (the event follows " +
        "the calendar), `notify` (default: unchanged, the app is told) or `restore` (our version is written back)",
    }),
    bookingPage: z
      .object({
        brandColor: z.string().optional(),
        logoUrl: z.string().optional(),
        frameAncestors: z.array(z.string()).optional(),
      })
      .meta({
        description:
          "The public booking page's brand colour, logo and the origins that may embed it (docs/booking-page.md)",
      }),
  })
  .meta({ id: "Tenant" });

const presentTenant = (tenant: TenantRow) => ({
  id: tenant.id,
  slug: tenant.slug,
  name: tenant.name,
  connectReturnUrls: tenant.connectReturnUrls,
  attendeeInvitations: tenant.attendeeInvitations,
  erasure: tenant.erasure,
  calendarChangePolicy: tenant.calendarChangePolicy,
  bookingPage: tenant.bookingPage ?? {},
});

/** The calling tenant and its API keys (keys are shown once, at creation, and stored hashed). */
export function tenantRoutes(db: Database): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/tenant",
      {
        schema: {
          tags: ["Tenant"],
          summary: "The tenant the API key belongs to",
          response: { 200: tenantSchema, ...standardErrors },
        },
      },
      async (request) => {
        const tenant = await findTenantById(db, requireTenant(request));
        if (!tenant) throw notFound("tenant");
        return presentTenant(tenant);
      },
    );
    app.patch(
      "/tenant",
      {
        schema: {
          tags: ["Tenant"],
          summary:
            "Change the tenant's settings: the return URLs of the calendar connect flow, who invites attendees, the booking page's look and embedding",
          body: z
            .object({
              connectReturnUrls: z.array(z.string().min(1).max(2000)).max(20).optional().meta({
                description:
                  "https URL prefixes (http only for localhost), e.g. https://app.example.com/settings/",
              }),
              attendeeInvitations: z.enum(ATTENDEE_INVITATIONS).optional(),
              erasure: z.enum(ERASURE_MODES).optional(),
              calendarChangePolicy: z.enum(CALENDAR_CHANGE_POLICIES).optional(),
              bookingPage: bookingPageSettingsSchema.optional(),
            })
            .strict(),
          response: { 200: tenantSchema, ...standardErrors },
        },
      },
      async (request) => {
        const { connectReturnUrls, attendeeInvitations, erasure, calendarChangePolicy, bookingPage } =
          request.body;
        const urls: string[] = [];
        for (const [index, raw] of (connectReturnUrls ?? []).entries()) {
          const checked = checkReturnUrlPrefix(raw);
          if (!checked.ok)
            throw new AppError("validation_failed", `connectReturnUrls[${index}]: ${checked.message}`);
          urls.push(checked.url);
        }
        const page = bookingPage
          ? applyBookingPageSettings(
              (await findTenantById(db, requireTenant(request)))?.bookingPage ?? {},
              bookingPage,
            )
          : undefined;
        if (page && !page.ok)
          throw new AppError("validation_failed", page.problems.join("; "), { details: page.problems });
        const tenant = await updateTenantSettings(db, requireTenant(request), {
          ...(page?.ok ? { bookingPage: page.value } : {}),
          ...(connectReturnUrls ? { connectReturnUrls: [...new Set(urls)] } : {}),
          ...(attendeeInvitations ? { attendeeInvitations } : {}),
          ...(erasure ? { erasure } : {}),
          ...(calendarChangePolicy ? { calendarChangePolicy } : {}),
        });
        if (!tenant) throw notFound("tenant");
        return presentTenant(tenant);
      },
    );

    app.get(
      "/api-keys",
      {
        schema: {
          tags: ["Tenant"],
          summary: "List API keys (without their secrets)",
          response: { 200: z.object({ data: z.array(apiKeySchema) }), ...standardErrors },
        },
      },
      async (request) => {
        const rows = await listApiKeys(db, requireTenant(request));
        return {
          data: rows.map((row) => ({
            ...row,
            createdAt: row.createdAt.toISOString(),
            lastUsedAt: iso(row.lastUsedAt),
            revokedAt: iso(row.revokedAt),
          })),
        };
      },
    );

    app.post(
      "/api-keys",
      {
        schema: {
          tags: ["Tenant"],
          summary: "Create an API key; the key is returned once",
          body: z.object({ name: z.string().trim().min(1).max(100) }).strict(),
          response: {
            201: z.object({ id: z.string(), name: z.string(), key: z.string() }),
            ...standardErrors,
          },
        },
      },
      async (request, reply) => {
        const created = await createApiKey(db, { tenantId: requireTenant(request), name: request.body.name });
        await recordAudit(db, {
          ...auditContextOf(request),
          action: "api_key.created",
          outcome: "success",
          details: { apiKeyId: created.id },
        });
        return reply.status(201).send({ id: created.id, name: request.body.name, key: created.key });
      },
    );

    app.delete(
      "/api-keys/:keyId",
      {
        schema: {
          tags: ["Tenant"],
          summary: "Revoke an API key",
          params: z.object({ keyId: idParam("API key id") }),
          response: { 204: z.null(), ...standardErrors },
        },
      },
      async (request, reply) => {
        if (!(await revokeApiKey(db, { tenantId: requireTenant(request), id: request.params.keyId }))) {
          throw notFound("API key");
        }
        await recordAudit(db, {
          ...auditContextOf(request),
          action: "api_key.revoked",
          outcome: "success",
          details: { apiKeyId: request.params.keyId },
        });
        return reply.status(204).send(null);
      },
    );
  };
}
