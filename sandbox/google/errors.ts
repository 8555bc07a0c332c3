/**
 * Google's error envelopes (provider-protocols.md 4.7 and 3.4). API errors carry
 * `{error: {code, message, errors: [{domain, reason, message}], status}}`; OAuth endpoints answer
 * `{error, error_description}`. Clients key on the HTTP status plus `errors[0].reason`, so the reason
 * strings here are exactly Google's.
 */

export type GoogleErrorDomain = "global" | "calendar" | "usageLimits" | "push";

export interface GoogleErrorItem {
  domain: GoogleErrorDomain;
  reason: string;
  message: string;
  locationType?: "parameter" | "header";
  location?: string;
}

// The gRPC-style status names newer Google front ends add beside the numeric code [inf].
const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  410: "FAILED_PRECONDITION",
  412: "FAILED_PRECONDITION",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

export class GoogleApiError extends Error {
  readonly code: number;
  readonly item: GoogleErrorItem;
  readonly headers: Record<string, string>;

  constructor(params: {
    code: number;
    reason: string;
    message: string;
    domain?: GoogleErrorDomain;
    location?: { type: "parameter" | "header"; name: string };
    headers?: Record<string, string>;
  }) {
    super(params.message);
    this.code = params.code;
    this.headers = params.headers ?? {};
    this.item = {
      domain: params.domain ?? "global",
      reason: params.reason,
      message: params.message,
      ...(params.location ? { locationType: params.location.type, location: params.location.name } : {}),
    };
  }

  toBody(): { error: { code: number; message: string; errors: GoogleErrorItem[]; status: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        errors: [this.item],
        status: STATUS_NAMES[this.code] ?? "UNKNOWN",
      },
    };
  }
}

export function invalidParameter(name: string, message = `Invalid value for: ${name}`): GoogleApiError {
  return new GoogleApiError({
    code: 400,
    reason: "invalid",
    message,
    location: { type: "parameter", name },
  });
}

export function notFound(): GoogleApiError {
  return new GoogleApiError({ code: 404, reason: "notFound", message: "Not Found" });
}

export function fullSyncRequired(): GoogleApiError {
  return new GoogleApiError({
    code: 410,
    reason: "fullSyncRequired",
    domain: "calendar",
    message: "Sync token is no longer valid, a full sync is required.",
    location: { type: "parameter", name: "syncToken" },
  });
}

export function timeRangeEmpty(): GoogleApiError {
  return new GoogleApiError({
    code: 400,
    reason: "timeRangeEmpty",
    domain: "calendar",
    message: "The specified time range is empty.",
    location: { type: "parameter", name: "timeMax" },
  });
}

/** An OAuth endpoint failure (3.4): `{error, error_description}` with 400, or 401 for a bad client. */
export class GoogleOAuthError extends Error {
  readonly status: number;
  readonly error: string;

  constructor(params: { error: string; description: string; status?: number }) {
    super(params.description);
    this.error = params.error;
    this.status = params.status ?? 400;
  }

  toBody(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}
