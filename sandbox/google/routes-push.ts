import type { FastifyInstance } from "fastify";
import { grantFor } from "./api-auth.ts";
import { ChannelRegistry } from "./channels.ts";
import { GoogleApiError, invalidParameter } from "./errors.ts";
import { readSyncToken } from "./event-list.ts";
import { parseListQuery, type RawQuery } from "./list-params.ts";
import type { SandboxContext } from "./sandbox-context.ts";
import { roleAtLeast } from "./state.ts";

/**
 * events.watch and channels.stop (4.6, trap 12). `expiration` is answered as a string of milliseconds.
 * The TTL defaults to 7 days and is capped at 30 days [inf]. `address` must be HTTPS, except that the
 * sandbox also accepts plain http on loopback hosts so local receivers work.
 */

const DEFAULT_TTL_SECONDS = 604_800;
const MAX_TTL_SECONDS = 30 * 24 * 3600;

interface ChannelBody {
  id?: unknown;
  type?: unknown;
  address?: unknown;
  token?: unknown;
  expiration?: unknown;
  params?: { ttl?: unknown };
}

export function registerPushRoutes(app: FastifyInstance, context: SandboxContext): void {
  const { state } = context;

  app.post("/calendars/:calendarId/events/watch", async (request) => {
    const { account } = grantFor(request, "read");
    const { calendar, role } = state.calendarFor(
      account,
      (request.params as { calendarId: string }).calendarId,
    );
    if (!roleAtLeast(role, "reader")) {
      throw new GoogleApiError({
        code: 403,
        reason: "requiredAccessLevel",
        domain: "calendar",
        message: "You need to have reader access to this calendar.",
      });
    }
    const query = parseListQuery(request.query as RawQuery, { maxResults: 250, maxCap: 2500 });
    // A stale syncToken on watch is the same 410 as on list [obs].
    if (query.syncToken !== undefined)
      readSyncToken({ state, calendar, role, account, query }, query.syncToken);
    const body = (request.body ?? {}) as ChannelBody;
    if (typeof body.id !== "string" || !/^[A-Za-z0-9\-_+/=]{1,64}$/.test(body.id))
      throw invalidParameter("id");
    if (body.type !== "web_hook" && body.type !== "webhook")
      throw invalidParameter("type", "Unknown channel type.");
    const address = readAddress(body.address);
    if (state.channels.has(body.id)) {
      throw new GoogleApiError({
        code: 400,
        reason: "channelIdNotUnique",
        domain: "push",
        message: "Channel id not unique",
      });
    }
    const now = state.now();
    const ttl = Math.min(
      Number(body.params?.ttl ?? DEFAULT_TTL_SECONDS) || DEFAULT_TTL_SECONDS,
      MAX_TTL_SECONDS,
    );
    const requested = Number(body.expiration);
    const expiration =
      Number.isFinite(requested) && requested > now
        ? Math.min(requested, now + ttl * 1000)
        : now + ttl * 1000;
    const channel = {
      id: body.id,
      resourceId: ChannelRegistry.resourceIdFor(calendar.seed.id, state.generation),
      resourceUri: `${context.origin()}/calendar/v3/calendars/${encodeURIComponent(calendar.seed.id)}/events?alt=json`,
      calendarId: calendar.seed.id,
      account,
      address,
      ...(typeof body.token === "string" ? { token: body.token } : {}),
      expiration,
      messageNumber: 0,
    };
    state.channels.add(channel);
    return {
      kind: "api#channel",
      id: channel.id,
      resourceId: channel.resourceId,
      resourceUri: channel.resourceUri,
      ...(channel.token === undefined ? {} : { token: channel.token }),
      expiration: String(expiration),
    };
  });

  app.post("/channels/stop", async (request, reply) => {
    grantFor(request, "read");
    const body = (request.body ?? {}) as { id?: unknown; resourceId?: unknown };
    if (typeof body.id !== "string") throw required("id");
    if (typeof body.resourceId !== "string") throw required("resourceId");
    if (!state.channels.stop(body.id, body.resourceId)) {
      throw new GoogleApiError({
        code: 404,
        reason: "notFound",
        message: `Channel '${body.id}' not found for project '1'`,
      });
    }
    return reply.status(204).send();
  });
}

function readAddress(value: unknown): string {
  if (typeof value !== "string") throw required("address");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidParameter("address", "Invalid address.");
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new GoogleApiError({
      code: 400,
      reason: "push.webhookUrlNotHttps",
      domain: "global",
      message: "WebHook callback must be HTTPS: " + value,
    });
  }
  return value;
}

function required(name: string): GoogleApiError {
  return new GoogleApiError({
    code: 400,
    reason: "required",
    message: `Required parameter: ${name}`,
    location: { type: "parameter", name },
  });
}
