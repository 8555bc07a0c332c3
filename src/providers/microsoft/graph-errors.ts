import type { SourceError } from "../../core/sync/calendar-source.ts";
import { heldBackError, type ProviderHttpResult } from "../provider-http.ts";
import { entraTokenErrorSchema, graphErrorSchema } from "./graph-schemas.ts";

/**
 * Graph and Entra failures mapped to the port's typed set at the adapter boundary. Messages are fixed sentences plus
 * the provider's error code: they are stored and shown through the API, so no provider text (which can carry
 * addresses, ids or trace data) passes through.
 */
function readJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export function graphErrorCode(body: string): string | undefined {
  const parsed = graphErrorSchema.safeParse(readJson(body));
  return parsed.success ? parsed.data.error.code : undefined;
}

export function mapGraphFailure(result: ProviderHttpResult): SourceError {
  if (result.kind === "held") return heldBackError(result);
  if (result.kind === "network") {
    return {
      kind: "unavailable",
      message:
        result.reason === "timeout"
          ? "Microsoft Graph did not answer in time"
          : "Microsoft Graph could not be reached",
    };
  }
  const code = graphErrorCode(result.body);
  const lower = code?.toLowerCase();
  const suffix = code ? ` (${result.status} ${code.slice(0, 60)})` : ` (${result.status})`;
  // Codes are matched case-insensitively: SyncStateNotFound and syncStateNotFound are both seen (2.1, 2.11).
  if (result.status === 410 || lower === "syncstatenotfound" || lower === "resyncrequired")
    return { kind: "sync_cursor_invalid", message: `the delta token expired${suffix}` };
  if (result.status === 429)
    return {
      kind: "rate_limited",
      retryAfterMs: result.retryAfterMs,
      message: `throttled by Microsoft Graph${suffix}`,
    };
  if (result.status === 401)
    return { kind: "auth_revoked", message: `Microsoft refused the access token${suffix}` };
  if (result.status === 403)
    return { kind: "auth_revoked", message: `Microsoft denied access: a permission is missing${suffix}` };
  if (result.status === 404) return { kind: "not_found", message: `not found in Microsoft Graph${suffix}` };
  if (result.status === 409 || result.status === 412)
    return { kind: "conflict", message: `the item changed in Outlook meanwhile${suffix}` };
  if (result.status >= 500)
    return { kind: "unavailable", message: `Microsoft Graph is unavailable${suffix}` };
  return { kind: "invalid_data", message: `Microsoft Graph refused the request${suffix}` };
}

/** AADSTS codes that mean the app itself is misconfigured, not that the user must sign in again. */
const clientConfigurationCodes = new Set([7000215, 7000218, 7000222, 700016, 700025]);

/**
 * Token endpoint failures (provider-protocols 1.5): `invalid_grant` and `interaction_required` need the user back
 * (needs_reauth, never retried); a bad client secret is the operator's problem; 5xx and temporarily_unavailable are
 * retried later.
 */
export function mapEntraTokenFailure(result: ProviderHttpResult): SourceError {
  if (result.kind !== "response") return mapGraphFailure(result);
  const parsed = entraTokenErrorSchema.safeParse(readJson(result.body));
  if (!parsed.success || result.status >= 500 || parsed.data.error === "temporarily_unavailable") {
    return { kind: "unavailable", message: `the Microsoft token endpoint is unavailable (${result.status})` };
  }
  const { error, error_codes: codes = [] } = parsed.data;
  const aadsts = codes.length > 0 ? ` AADSTS${codes[0]}` : "";
  if (
    error === "invalid_client" ||
    error === "unauthorized_client" ||
    codes.some((c) => clientConfigurationCodes.has(c))
  )
    return {
      kind: "unavailable",
      message: `Microsoft refused this service's app credentials (${error}${aadsts}): check MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET`,
    };
  if (error === "invalid_grant" || error === "interaction_required" || error === "consent_required")
    return { kind: "auth_revoked", message: `Microsoft needs the user to sign in again (${error}${aadsts})` };
  return {
    kind: "invalid_data",
    message: `the Microsoft token endpoint refused the request (${error}${aadsts})`,
  };
}
