import type { SeedAccount, SeedClient } from "./seed-schema.ts";
import type { GoogleSandboxState } from "./state.ts";

/**
 * The authorization endpoint's decisions (provider-protocols.md 3.2). A bad client or redirect URI is
 * shown on an error page (never redirected); every other failure goes back to the redirect URI as
 * `?error=…`. Success redirects with `code`, the granted `scope`, `authuser`, `prompt`, and `hd` for
 * Workspace accounts.
 */

export interface AuthorizeRequest {
  client: SeedClient;
  redirectUri: string;
  scopes: string[];
  state?: string;
  offline: boolean;
  prompts: string[];
  includeGrantedScopes: boolean;
  loginHint?: string;
  codeChallenge?: string;
  codeChallengeMethod?: "S256" | "plain";
  nonce?: string;
}

/** Shown as an HTML error page with status 400, as Google does for these two. */
export class AuthorizePageError extends Error {
  constructor(
    readonly error: "invalid_client" | "redirect_uri_mismatch" | "invalid_request",
    message: string,
  ) {
    super(message);
  }
}

export class AuthorizeRedirectError extends Error {
  constructor(
    readonly error: string,
    readonly request: Pick<AuthorizeRequest, "redirectUri" | "state">,
  ) {
    super(error);
  }
}

export function parseAuthorizeRequest(
  state: GoogleSandboxState,
  query: Record<string, string>,
): AuthorizeRequest {
  const client = state.oauth.client(query.client_id ?? "");
  if (!client) throw new AuthorizePageError("invalid_client", "The OAuth client was not found.");
  const redirectUri = query.redirect_uri ?? "";
  if (!client.redirectUris.some((registered) => redirectMatches(registered, redirectUri))) {
    throw new AuthorizePageError("redirect_uri_mismatch", `redirect_uri not registered: ${redirectUri}`);
  }
  const base = { redirectUri, ...(query.state === undefined ? {} : { state: query.state }) };
  if (query.response_type !== "code") throw new AuthorizeRedirectError("unsupported_response_type", base);
  const scopes = (query.scope ?? "").split(/\s+/).filter(Boolean);
  if (scopes.length === 0) throw new AuthorizeRedirectError("invalid_scope", base);
  const method = query.code_challenge_method ?? (query.code_challenge ? "plain" : undefined);
  if (method !== undefined && method !== "S256" && method !== "plain") {
    throw new AuthorizeRedirectError("invalid_request", base);
  }
  const request: AuthorizeRequest = {
    client,
    ...base,
    scopes,
    offline: query.access_type === "offline",
    prompts: (query.prompt ?? "").split(" ").filter(Boolean),
    includeGrantedScopes: query.include_granted_scopes === "true",
  };
  if (query.login_hint) request.loginHint = query.login_hint;
  if (query.code_challenge) request.codeChallenge = query.code_challenge;
  if (method) request.codeChallengeMethod = method;
  if (query.nonce) request.nonce = query.nonce;
  return request;
}

/** Approves for `account` and builds the success redirect. */
export function approveRedirect(
  state: GoogleSandboxState,
  request: AuthorizeRequest,
  account: SeedAccount,
): URL {
  if (request.prompts.includes("none") && !state.oauth.hasConsent(request.client.clientId, account.email)) {
    throw new AuthorizeRedirectError("interaction_required", request);
  }
  const granted = state.oauth.consent({
    clientId: request.client.clientId,
    account: account.email,
    scopes: request.scopes,
    includeGrantedScopes: request.includeGrantedScopes,
    offline: request.offline,
    forceConsent: request.prompts.includes("consent"),
  });
  const code = state.oauth.issueCode({
    clientId: request.client.clientId,
    redirectUri: request.redirectUri,
    account: account.email,
    scopes: granted.scopes,
    issueRefreshToken: granted.issueRefreshToken,
    ...(request.codeChallenge === undefined ? {} : { codeChallenge: request.codeChallenge }),
    ...(request.codeChallengeMethod === undefined
      ? {}
      : { codeChallengeMethod: request.codeChallengeMethod }),
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
  });
  const url = new URL(request.redirectUri);
  if (request.state !== undefined) url.searchParams.set("state", request.state);
  url.searchParams.set("code", code);
  url.searchParams.set("scope", granted.scopes.join(" "));
  url.searchParams.set("authuser", "0");
  if (account.hd) url.searchParams.set("hd", account.hd);
  url.searchParams.set("prompt", request.prompts.includes("consent") ? "consent" : "none");
  return url;
}

export function errorRedirect(error: AuthorizeRedirectError): URL {
  const url = new URL(error.request.redirectUri);
  url.searchParams.set("error", error.error);
  if (error.request.state !== undefined) url.searchParams.set("state", error.request.state);
  return url;
}

/** Which account a non-interactive approval uses: the login_hint if it names one, else the first. */
export function pickAccount(state: GoogleSandboxState, request: AuthorizeRequest): SeedAccount | undefined {
  const hinted = request.loginHint === undefined ? undefined : state.accounts.get(request.loginHint);
  return hinted ?? [...state.accounts.values()][0];
}

/** Exact match, except that a registered loopback URI without a port matches any port (installed-app rule). */
function redirectMatches(registered: string, actual: string): boolean {
  if (registered === actual) return true;
  try {
    const want = new URL(registered);
    const got = new URL(actual);
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(want.hostname);
    return (
      loopback &&
      want.port === "" &&
      want.protocol === got.protocol &&
      want.hostname === got.hostname &&
      // Sandbox-only convenience: a registered loopback `…/*` accepts any callback path on that host.
      (want.pathname === got.pathname ||
        (want.pathname.endsWith("/*") && got.pathname.startsWith(want.pathname.slice(0, -1)))) &&
      got.search === "" &&
      got.hash === ""
    );
  } catch {
    return false;
  }
}
