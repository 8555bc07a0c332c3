/**
 * The one error catalog. Every error a client can see has a code listed here; the HTTP status comes from the
 * catalog, never from the place that throws. The error handler renders `{"error": {"code", "message", "details"?}}`.
 */
export const errorCatalog = {
  validation_failed: { status: 400, message: "The request is not valid." },
  bad_request: { status: 400, message: "The request is not valid." },
  unauthorized: { status: 401, message: "A valid API key is required (Authorization: Bearer <key>)." },
  forbidden: { status: 403, message: "This action is not allowed." },
  not_found: { status: 404, message: "Not found." },
  method_not_allowed: { status: 405, message: "Method not allowed." },
  conflict: { status: 409, message: "The request conflicts with the current state." },
  slot_taken: { status: 409, message: "That time is no longer available." },
  slot_unavailable: { status: 422, message: "That time is not bookable for this event type." },
  gone: { status: 410, message: "This resource is gone." },
  payload_too_large: { status: 413, message: "The request body is too large." },
  unsupported_media_type: { status: 415, message: "Unsupported content type." },
  idempotency_mismatch: {
    status: 422,
    message: "This Idempotency-Key was already used with a different request body.",
  },
  rate_limited: { status: 429, message: "Too many requests; slow down." },
  internal: { status: 500, message: "Something went wrong on our side; it has been logged." },
  unavailable: { status: 503, message: "The service is not ready." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export class AppError extends Error {
  override name = "AppError";
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message ?? errorCatalog[code].message, { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  get status(): number {
    return errorCatalog[this.code].status;
  }
}

export function notFound(what: string): AppError {
  return new AppError("not_found", `${what} not found`);
}
