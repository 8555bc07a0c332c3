import { timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../store/database.ts";
import { createApiKey, createTenant, DuplicateTenantError } from "../../store/tenants-repository.ts";
import { AppError } from "../errors.ts";

/**
 * Operator routes for the CLI. In embedded mode the running service owns the database folder (PGlite allows one
 * process), so `calbridge tenant create` asks the running service instead, proving itself with a token that only
 * someone who can read DATA_DIR has. Hidden from the public API document.
 */
export function adminRoutes(params: { db: Database; adminToken: string }): FastifyPluginAsyncZod {
  const expected = Buffer.from(params.adminToken);
  return async (app) => {
    app.addHook("onRequest", async (request) => {
      const given = Buffer.from(String(request.headers["x-calbridge-admin-token"] ?? ""));
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new AppError("unauthorized");
    });
    app.post(
      "/internal/admin/tenants",
      {
        schema: {
          hide: true,
          body: z.object({ name: z.string().trim().min(1).max(200), slug: z.string().optional() }).strict(),
        },
      },
      async (request, reply) => {
        try {
          const tenant = await createTenant(params.db, request.body);
          const key = await createApiKey(params.db, { tenantId: tenant.id, name: "first key" });
          return reply.status(201).send({ tenant, apiKey: key.key });
        } catch (error) {
          if (error instanceof DuplicateTenantError) throw new AppError("conflict", error.message);
          throw error;
        }
      },
    );
  };
}
