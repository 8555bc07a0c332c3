import type { FastifyInstance } from "fastify";
import type { SlotsCache } from "../scheduling/slots-cache.ts";

/** Any successful change through an authenticated API may change availability: drop the tenant's cached slots. */
export function invalidateSlotsOnChange(scope: FastifyInstance, slotsCache: SlotsCache): void {
  scope.addHook("onResponse", async (request, reply) => {
    if (request.method !== "GET" && reply.statusCode < 400 && request.tenantId) {
      slotsCache.invalidate({ tenantId: request.tenantId });
    }
  });
}
