import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../store/database.ts";
import {
  createHostFeed,
  type HostFeedRow,
  type IssuedHostFeed,
  listHostFeeds,
  revokeHostFeed,
  rotateHostFeed,
} from "../../store/host-feeds-repository.ts";
import { getHost } from "../../store/hosts-repository.ts";
import type { HostId, TenantId } from "../../store/ids.ts";
import { requireTenant } from "../auth.ts";
import { notFound } from "../errors.ts";
import { idParam, standardErrors } from "../schemas.ts";

export interface HostFeedRouteDeps {
  db: Database;
  /** The service's public base URL, e.g. https://cal.example.com: feed URLs are built on it. */
  publicUrl: string;
  now: () => Date;
}

const feedSchema = z
  .object({ id: z.string(), includeBusy: z.boolean(), createdAt: z.string() })
  .meta({ id: "HostFeed" });

const issuedFeedSchema = feedSchema
  .extend({
    url: z
      .string()
      .meta({ description: "The feed's https URL; it carries the secret token, shown only once" }),
    webcalUrl: z
      .string()
      .meta({ description: "The same URL as webcal://, which opens a calendar app's subscribe dialog" }),
  })
  .meta({ id: "IssuedHostFeed" });

const hostParams = z.object({ hostId: idParam("host id") });
const feedParams = hostParams.extend({ feedId: idParam("feed id") });

function presentFeed(row: HostFeedRow): z.infer<typeof feedSchema> {
  return { id: row.id, includeBusy: row.includeBusy, createdAt: row.createdAt.toISOString() };
}

function presentIssued(deps: HostFeedRouteDeps, issued: IssuedHostFeed): z.infer<typeof issuedFeedSchema> {
  const url = `${deps.publicUrl.replace(/\/+$/, "")}/v1/feeds/${issued.token}.ics`;
  // webcal:// is the de-facto scheme for "subscribe" (Apple, Outlook); clients fetch it over https (or http).
  return { ...presentFeed(issued.feed), url, webcalUrl: url.replace(/^https?:/, "webcal:") };
}

/** Export feeds of a host: secret .ics URLs that can be listed (without tokens), revoked and rotated. */
export function hostFeedRoutes(deps: HostFeedRouteDeps): FastifyPluginAsyncZod {
  const { db } = deps;
  async function scopeOf(tenantId: TenantId, hostId: string) {
    // Another tenant's host looks like a missing one.
    if (!(await getHost(db, tenantId, hostId as HostId))) throw notFound("host");
    return { tenantId, hostId: hostId as HostId };
  }

  return async (app) => {
    app.post(
      "/hosts/:hostId/feeds",
      {
        schema: {
          tags: ["Export feeds"],
          summary: "Create an export feed; its URL (with the secret token) is shown only in this answer",
          params: hostParams,
          body: z
            .object({
              includeBusy: z.boolean().optional().meta({
                description: 'Also publish busy time from connected calendars, as anonymous "Busy" blocks',
              }),
            })
            .strict()
            // A POST without a body (no options) is the common case.
            .nullish(),
          response: { 201: issuedFeedSchema, ...standardErrors },
        },
      },
      async (request, reply) => {
        const scope = await scopeOf(requireTenant(request), request.params.hostId);
        const issued = await createHostFeed(db, {
          ...scope,
          includeBusy: request.body?.includeBusy ?? false,
          now: deps.now(),
        });
        return reply.status(201).send(presentIssued(deps, issued));
      },
    );

    app.get(
      "/hosts/:hostId/feeds",
      {
        schema: {
          tags: ["Export feeds"],
          summary: "List a host's active export feeds (without their tokens)",
          params: hostParams,
          response: { 200: z.object({ data: z.array(feedSchema) }), ...standardErrors },
        },
      },
      async (request) => {
        const scope = await scopeOf(requireTenant(request), request.params.hostId);
        return { data: (await listHostFeeds(db, scope)).map(presentFeed) };
      },
    );

    app.delete(
      "/hosts/:hostId/feeds/:feedId",
      {
        schema: {
          tags: ["Export feeds"],
          summary: "Revoke an export feed: its URL answers 404 from now on",
          params: feedParams,
          response: { 204: z.null(), ...standardErrors },
        },
      },
      async (request, reply) => {
        const scope = await scopeOf(requireTenant(request), request.params.hostId);
        const revoked = await revokeHostFeed(db, {
          ...scope,
          feedId: request.params.feedId,
          now: deps.now(),
        });
        if (!revoked) throw notFound("feed");
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/hosts/:hostId/feeds/:feedId/rotate",
      {
        schema: {
          tags: ["Export feeds"],
          summary: "Replace a feed's URL: the old one is revoked, a new one with the same settings is issued",
          params: feedParams,
          response: { 201: issuedFeedSchema, ...standardErrors },
        },
      },
      async (request, reply) => {
        const scope = await scopeOf(requireTenant(request), request.params.hostId);
        const issued = await rotateHostFeed(db, { ...scope, feedId: request.params.feedId, now: deps.now() });
        if (!issued) throw notFound("feed");
        return reply.status(201).send(presentIssued(deps, issued));
      },
    );
  };
}
