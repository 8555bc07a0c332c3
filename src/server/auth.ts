import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Database } from "../store/database.ts";
import type { TenantId } from "../store/ids.ts";
import { authenticateApiKey } from "../store/tenants-repository.ts";
import { AppError } from "./errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    tenantId?: TenantId;
    /** The API key that authenticated the request (the actor of its audit entries). */
    apiKeyId?: string;
    /** The host portal session that authenticated the request (src/server/portal), instead of an API key. */
    portalSessionId?: string;
  }
}

/** Reads the tenant set by the API-key hook; routes in an authenticated scope can rely on it. */
export function requireTenant(request: FastifyRequest): TenantId {
  if (!request.tenantId) throw new AppError("unauthorized");
  return request.tenantId;
}

function readKey(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match?.[1];
  }
  const apiKeyHeader = request.headers["x-api-key"];
  return typeof apiKeyHeader === "string" ? apiKeyHeader : undefined;
}

/** Authenticates every request in the scope it is registered in (the integration API). */
export function installApiKeyAuth(scope: FastifyInstance, db: Database): void {
  scope.decorateRequest("tenantId", undefined);
  scope.decorateRequest("apiKeyId", undefined);
  scope.addHook("onRequest", async (request) => {
    const key = readKey(request);
    if (!key) throw new AppError("unauthorized");
    const identity = await authenticateApiKey(db, key);
    if (!identity) throw new AppError("unauthorized", "The API key is not valid or has been revoked.");
    request.tenantId = identity.tenantId;
    request.apiKeyId = identity.keyId;
  });
}

/** Who and what an audit entry of an authenticated request names: its tenant, API key (or portal session) and request id. */
export function auditContextOf(request: FastifyRequest): {
  tenantId: TenantId;
  actor: { kind: "api_key" | "portal_session"; id: string };
  requestId: string;
} {
  const tenantId = requireTenant(request);
  if (request.portalSessionId)
    return {
      tenantId,
      actor: { kind: "portal_session", id: request.portalSessionId },
      requestId: request.id,
    };
  if (!request.apiKeyId) throw new AppError("unauthorized");
  return { tenantId, actor: { kind: "api_key", id: request.apiKeyId }, requestId: request.id };
}
