import { renderConsentPage, renderFormPost } from "./consent-page.ts";
import type { SandboxContext } from "./context.ts";
import type { SandboxReply } from "./http-kit.ts";
import { aadTimestamp } from "./identity-errors.ts";
import { ADMIN_CONSENT_SCOPES, CODE_LIFETIME_MS, graphScopes } from "./identity-grants.ts";
import { newGuid, newOpaqueToken } from "./ids.ts";
import type { RegisteredApp } from "./model.ts";
import { accountAllowed, resolveTenantSegment } from "./tenants.ts";

function errorPage(status: number, aadsts: number, message: string): SandboxReply {
  return {
    status,
    headers: { "content-type": "text/html; charset=utf-8" },
    body: `<!doctype html><html><body><h1>Sign in</h1><p>Sorry, but we're having trouble signing you in.</p><p id="error">AADSTS${aadsts}: ${message}</p></body></html>`,
  };
}

/** Entra ignores the port of http://localhost redirect URIs (RFC 8252 loopback redirects). */
export function redirectUriMatches(app: RegisteredApp, redirectUri: string): boolean {
  return app.redirectUris.some((registered) => {
    if (registered === redirectUri) return true;
    try {
      const a = new URL(registered);
      const b = new URL(redirectUri);
      const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(a.hostname);
      return loopback && a.protocol === "http:" && a.hostname === b.hostname && a.pathname === b.pathname;
    } catch {
      return false;
    }
  });
}

function redirect(params: {
  redirectUri: string;
  mode: string;
  fields: Record<string, string>;
}): SandboxReply {
  if (params.mode === "form_post") {
    return {
      status: 200,
      headers: { "content-type": "text/html; charset=utf-8" },
      body: renderFormPost(params.redirectUri, params.fields),
    };
  }
  const url = new URL(params.redirectUri);
  const query = new URLSearchParams(params.fields).toString();
  const location = params.mode === "fragment" ? `${url.href}#${query}` : appendQuery(url, params.fields);
  return { status: 302, headers: { location } };
}

function appendQuery(url: URL, fields: Record<string, string>): string {
  for (const [key, value] of Object.entries(fields)) url.searchParams.set(key, value);
  return url.href;
}

/** GET /{tenant}/oauth2/v2.0/authorize (reference 1.2). */
export function handleAuthorize(ctx: SandboxContext): SandboxReply {
  const { state, req } = ctx;
  const q = req.url.searchParams;
  const segment = resolveTenantSegment(state, req.params.tenant ?? "");
  if (!segment) return errorPage(400, 90002, `Tenant '${req.params.tenant}' not found.`);
  const app = state.apps.get(q.get("client_id") ?? "");
  if (!app) {
    return errorPage(
      400,
      700016,
      `Application with identifier '${q.get("client_id")}' was not found in the directory.`,
    );
  }
  const redirectUri = q.get("redirect_uri") ?? app.redirectUris[0] ?? "";
  if (!redirectUriMatches(app, redirectUri)) {
    return errorPage(
      400,
      50011,
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'.`,
    );
  }
  const mode = q.get("response_mode") ?? "query";
  const fail = (error: string, aadsts: number, message: string) => {
    const traceId = newGuid();
    const description = `AADSTS${aadsts}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${newGuid()}\r\nTimestamp: ${aadTimestamp(state.now())}`;
    const fields: Record<string, string> = { error, error_description: description };
    const stateParam = q.get("state");
    if (stateParam !== null) fields.state = stateParam;
    return redirect({ redirectUri, mode, fields });
  };
  if (q.get("response_type") !== "code") {
    return fail(
      "unsupported_response_type",
      700054,
      "response_type 'id_token' is not enabled for the application.",
    );
  }
  const method = q.get("code_challenge_method") ?? "plain";
  if (method !== "S256" && method !== "plain") {
    return fail("invalid_request", 50014, "Invalid value for code_challenge_method.");
  }
  const challenge = q.get("code_challenge");
  if (app.kind === "spa" && !challenge) {
    return fail(
      "invalid_request",
      9002325,
      "Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
    );
  }
  const scope = q.get("scope") ?? "";
  if (!scope.trim())
    return fail("invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
  const scopes = graphScopes(scope);
  const needsAdmin = scopes.filter(
    (s) => ADMIN_CONSENT_SCOPES.includes(s) && !app.adminConsentedScopes.includes(s),
  );
  if (needsAdmin.length > 0) {
    return fail(
      "consent_required",
      90094,
      `Admin consent is required for the permissions requested by this application: ${needsAdmin.join(", ")}.`,
    );
  }
  const accounts = [...state.mailboxes.values()].filter((mailbox) => accountAllowed(segment, mailbox));
  if (q.get("sandbox_decision") === "deny") {
    return fail("access_denied", 65004, "User declined to consent to access the app.");
  }
  const hint = q.get("login_hint")?.toLowerCase();
  const hinted = hint
    ? accounts.find((a) => a.userPrincipalName.toLowerCase() === hint || a.mail?.toLowerCase() === hint)
    : undefined;
  const chosenId = q.get("sandbox_account");
  let account = chosenId ? accounts.find((a) => a.id === chosenId) : undefined;
  if (!account && (ctx.autoApprove || q.get("prompt") === "none"))
    account = hinted ?? (ctx.autoApprove ? accounts[0] : undefined);
  if (!account && q.get("prompt") === "none") {
    return fail("login_required", 50058, "A silent sign-in request was sent but no user is signed in.");
  }
  if (!account) {
    const shown = hinted ? [hinted] : accounts;
    return {
      status: 200,
      headers: { "content-type": "text/html; charset=utf-8" },
      body: renderConsentPage({
        appName: app.displayName,
        scopes: scope.split(/\s+/),
        accounts: shown,
        query: q,
        path: req.url.pathname,
      }),
    };
  }
  const code = newOpaqueToken("1.AXoA");
  state.codes.set(code, {
    code,
    clientId: app.clientId,
    redirectUri,
    mailboxId: account.id,
    scopes: scope.split(/\s+/).filter(Boolean),
    codeChallenge: challenge,
    codeChallengeMethod: method,
    nonce: q.get("nonce"),
    expiresAt: state.now() + CODE_LIFETIME_MS,
    redeemed: false,
  });
  const fields: Record<string, string> = { code };
  const stateParam = q.get("state");
  if (stateParam !== null) fields.state = stateParam;
  fields.session_state = newGuid();
  return redirect({ redirectUri, mode, fields });
}
