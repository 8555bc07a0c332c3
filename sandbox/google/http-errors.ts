import type { FastifyError, FastifyInstance } from "fastify";
import { GoogleApiError, GoogleOAuthError } from "./errors.ts";

/**
 * One error handler for the whole sandbox: Google envelopes for API and OAuth failures, and the same
 * envelope for framework errors (unknown route, unsupported media type, bad JSON) so clients never see
 * a shape Google would not send. Google error responses carry `cache-control: no-cache, no-store…` (4.7).
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | GoogleApiError | GoogleOAuthError, request, reply) => {
    reply.header("cache-control", "no-cache, no-store, max-age=0, must-revalidate");
    if (error instanceof GoogleOAuthError) return reply.status(error.status).send(error.toBody());
    if (error instanceof GoogleApiError)
      return reply.status(error.code).headers(error.headers).send(error.toBody());
    const status = "statusCode" in error && typeof error.statusCode === "number" ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, "sandbox internal error");
    const wrapped =
      status >= 500
        ? new GoogleApiError({ code: 500, reason: "backendError", message: "Backend Error" })
        : new GoogleApiError({
            code: status,
            reason: status === 400 ? "parseError" : "badRequest",
            message: error.message,
          });
    return reply.status(wrapped.code).send(wrapped.toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new GoogleApiError({
      code: 404,
      reason: "notFound",
      message: `Not Found: ${request.method} ${request.url}`,
    });
    return reply.status(404).send(error.toBody());
  });
}

/** JSON that tolerates an empty body (DELETE/POST without one) and form-encoded bodies for OAuth. */
export function installBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new GoogleApiError({ code: 400, reason: "parseError", message: "Parse Error" }), undefined);
    }
  });
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (_request, body, done) => {
      const text = typeof body === "string" ? body : body.toString("utf8");
      done(null, Object.fromEntries(new URLSearchParams(text)));
    },
  );
}
