import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { AppError, type ErrorCode, errorCatalog } from "./errors.ts";

interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function errorBody(code: ErrorCode, message?: string, details?: unknown): ErrorBody {
  return {
    error: {
      code,
      message: message ?? errorCatalog[code].message,
      ...(details === undefined ? {} : { details }),
    },
  };
}

/** Maps Fastify's own error codes (body parsing, limits, content types) onto the catalog. */
function fromFastifyError(error: FastifyError): AppError | undefined {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AppError("payload_too_large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new AppError("unsupported_media_type", error.message);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new AppError("bad_request", "The request body is not valid JSON.");
    default:
      if (error.statusCode === 429) return new AppError("rate_limited", error.message);
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500 && error.statusCode !== 404) {
        return new AppError("bad_request", error.message);
      }
      return undefined;
  }
}

/**
 * The one error handler: every failure becomes the catalog's envelope. Validation errors list each problem with
 * its location; unexpected errors are logged with their class, code and stack (never their values: see
 * observability/log-serializers.ts) and reach the client only as `internal`.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details = error.validation.map((issue) => ({
        location: `${error.validationContext}${issue.instancePath.replaceAll("/", ".")}`,
        message: issue.message,
      }));
      const summary = details.map((detail) => `${detail.location}: ${detail.message}`).join("; ");
      return reply.status(400).send(errorBody("validation_failed", summary, details));
    }
    const appError = error instanceof AppError ? error : fromFastifyError(error);
    if (appError) {
      return reply.status(appError.status).send(errorBody(appError.code, appError.message, appError.details));
    }
    request.log.error({ err: error }, "unhandled error");
    return reply.status(500).send(errorBody("internal"));
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send(errorBody("not_found", `no route for ${request.method} ${request.url.split("?")[0]}`));
  });
}
