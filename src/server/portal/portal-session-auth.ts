import type { FastifyInstance, FastifyRequest } from "fastify";
import { getBooking } from "../../store/bookings-repository.ts";
import type { Database } from "../../store/database.ts";
import type { HostId } from "../../store/ids.ts";
import { touchPortalSession } from "../../store/portal-sessions-repository.ts";
import { AppError, notFound } from "../errors.ts";
import { CSRF_HEADER, csrfTokenMatches, originAllowed, readPortalCookie } from "./portal-cookie.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The host a portal session belongs to: the only host its requests may name. */
    portalHostId?: HostId;
  }
  interface FastifyContextConfig {
    /** A portal route that names no host in its path (the session itself, sign-out). */
    portalSessionRoute?: boolean;
  }
}

export interface PortalSessionAuthOptions {
  db: Database;
  publicUrl: string;
  now: () => Date;
  idleMs: number;
}

/**
 * Path parameters a portal route may carry. `hostId` must be the session's host; connection, schedule and feed ids
 * are looked up by the routes together with that host id; a booking must have the host among its hosts. A route
 * with any other parameter, or without a host in its path, is refused when it is registered: the portal scope
 * fails closed, so reusing a tenant route here can't widen what a host reaches.
 */
const HOST_SCOPED_PARAMS = new Set(["hostId", "connectionId", "scheduleId", "feedId", "bookingId"]);

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function installPortalSessionAuth(scope: FastifyInstance, options: PortalSessionAuthOptions): void {
  scope.decorateRequest("tenantId", undefined);
  scope.decorateRequest("portalSessionId", undefined);
  scope.decorateRequest("portalHostId", undefined);

  scope.addHook("onRoute", (route) => {
    const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]!);
    if (!route.config?.portalSessionRoute && !params.includes("hostId"))
      throw new Error(`portal route ${route.method} ${route.url} names no host`);
    const unknown = params.filter((name) => !HOST_SCOPED_PARAMS.has(name));
    if (unknown.length > 0)
      throw new Error(
        `portal route ${route.url} has parameters the portal can't check: ${unknown.join(", ")}`,
      );
    route.schema = { ...route.schema, security: [{ portalSession: [] }] };
  });

  scope.addHook("onRequest", async (request) => {
    const secret = readPortalCookie(request.headers.cookie);
    const session = secret
      ? await touchPortalSession(options.db, { secret, now: options.now(), idleMs: options.idleMs })
      : undefined;
    if (!secret || !session)
      throw new AppError("unauthorized", "Sign in again: the portal session has ended or is not valid.");
    if (!SAFE_METHODS.has(request.method)) {
      const origin = request.headers.origin;
      if (!originAllowed(origin, { publicUrl: options.publicUrl, requestOrigin: requestOrigin(request) }))
        throw new AppError("forbidden", "Cross-site request refused.");
      const token = request.headers[CSRF_HEADER];
      if (!csrfTokenMatches(secret, typeof token === "string" ? token : undefined))
        throw new AppError("forbidden", `The ${CSRF_HEADER} header is missing or wrong; reload the page.`);
    }
    request.tenantId = session.tenantId;
    request.portalSessionId = session.sessionId;
    request.portalHostId = session.hostId;
    await checkHostScope(request, options.db);
  });
}

function requestOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** Another host's or tenant's ids answer 404, as if they did not exist. */
async function checkHostScope(request: FastifyRequest, db: Database): Promise<void> {
  const params = (request.params ?? {}) as Record<string, string | undefined>;
  const hostId = request.portalHostId!;
  if (params.hostId !== undefined && params.hostId !== hostId) throw notFound("host");
  if (params.bookingId !== undefined) {
    const booking = /^[0-9a-f-]{36}$/i.test(params.bookingId)
      ? await getBooking(db, request.tenantId!, params.bookingId)
      : undefined;
    if (!booking?.hostIds.includes(hostId)) throw notFound("booking");
  }
  // A list (of bookings) is always the session host's, whatever the query asks.
  if (request.method === "GET" && request.query && typeof request.query === "object")
    (request.query as Record<string, unknown>).hostId = hostId;
}
