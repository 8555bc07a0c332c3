import type { SourceError } from "../../core/sync/calendar-source.ts";
import { heldBackError, type ProviderHttpResult } from "../provider-http.ts";

/**
 * CalDAV failures mapped to the port's typed set at the adapter boundary. Messages are fixed sentences plus the
 * status: they are stored and shown through the API, so no server text passes through.
 */
export const TOO_LARGE_MESSAGE = "the CalDAV server sent an answer larger than the limit";

export function mapCalDavFailure(result: ProviderHttpResult): SourceError {
  if (result.kind === "held") return heldBackError(result);
  if (result.kind === "network") {
    if (result.reason === "refused")
      return {
        kind: "forbidden_target",
        message:
          "refused: the CalDAV server is or resolves to an internal address; an operator can allow it with OUTBOUND_ALLOW",
      };
    if (result.reason === "too_large") return { kind: "invalid_data", message: TOO_LARGE_MESSAGE };
    return {
      kind: "unavailable",
      message:
        result.reason === "timeout"
          ? "the CalDAV server did not answer in time"
          : "the CalDAV server could not be reached",
    };
  }
  return mapCalDavStatus(result.status, result.retryAfterMs);
}

export function mapCalDavStatus(status: number, retryAfterMs: number | null = null): SourceError {
  const suffix = ` (${status})`;
  if (status === 401)
    return {
      kind: "auth_revoked",
      message: `the CalDAV server refused the user name and password${suffix}: connect again with a valid (app-specific) password`,
    };
  if (status === 429)
    return { kind: "rate_limited", retryAfterMs, message: `throttled by the CalDAV server${suffix}` };
  if (status === 404 || status === 410)
    return { kind: "not_found", message: `not found on the CalDAV server${suffix}` };
  if (status === 409 || status === 412)
    return { kind: "conflict", message: `the event changed on the CalDAV server meanwhile${suffix}` };
  if (status >= 500) return { kind: "unavailable", message: `the CalDAV server is unavailable${suffix}` };
  return { kind: "invalid_data", message: `the CalDAV server refused the request${suffix}` };
}

/** A failure met inside a tsdav call: thrown by the client's fetch, caught and returned as a value by `run`. */
export class CalDavFailure extends Error {
  constructor(readonly error: SourceError) {
    super(error.message);
  }
}
