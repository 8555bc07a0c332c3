import { GraphError } from "./graph-errors.ts";
import { header, type SandboxRequest } from "./http-kit.ts";
import type { AccessGrant } from "./identity-grants.ts";
import type { MicrosoftSandboxState } from "./state.ts";

const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

function unauthorized(message: string): GraphError {
  return new GraphError({
    status: 401,
    code: "InvalidAuthenticationToken",
    message,
    headers: { "www-authenticate": WWW_AUTHENTICATE },
  });
}

/** Bearer token check with the observed 401 messages (reference 2.1). */
export function authenticateGraph(state: MicrosoftSandboxState, req: SandboxRequest): AccessGrant {
  const authorization = header(req, "authorization") ?? "";
  if (!authorization) throw unauthorized("Access token is empty.");
  const token = authorization.replace(/^Bearer\s+/i, "");
  const grant = state.accessTokens.get(token);
  if (!grant) throw unauthorized("CompactToken parsing failed with error code: 80049217");
  if (state.now() >= grant.expiresAt) throw unauthorized("Access token has expired or is not yet valid.");
  return grant;
}

/** 403 when the token lacks every scope that would allow the call. */
export function requireScope(grant: AccessGrant, anyOf: string[]): void {
  if (anyOf.some((scope) => grant.scopes.includes(scope))) return;
  throw new GraphError({
    status: 403,
    code: "ErrorAccessDenied",
    message: "Access is denied. Check credentials and try again.",
  });
}

export const READ_CALENDARS = [
  "Calendars.Read",
  "Calendars.ReadWrite",
  "Calendars.ReadBasic",
  "Calendars.Read.Shared",
];
export const WRITE_CALENDARS = ["Calendars.ReadWrite", "Calendars.ReadWrite.Shared"];
