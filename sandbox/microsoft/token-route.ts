import { createHash } from "node:crypto";
import { authenticateClient } from "./client-auth.ts";
import type { SandboxContext } from "./context.ts";
import type { SandboxReply } from "./http-kit.ts";
import { issueIdToken } from "./id-token.ts";
import { IdentityError, invalidGrant } from "./identity-errors.ts";
import {
  ACCESS_TOKEN_SECONDS,
  APPLICATION_ROLES,
  type AuthCode,
  GRAPH_RESOURCE,
  graphScopes,
  homeTenantId,
  issueAccessToken,
  issueRefreshToken,
  REFRESH_IDLE_MS,
  SPA_REFRESH_MS,
} from "./identity-grants.ts";
import type { RegisteredApp } from "./model.ts";
import { resolveTenantSegment } from "./tenants.ts";

function verifierMatches(code: AuthCode, verifier: string | null): boolean {
  if (!code.codeChallenge) return true;
  if (!verifier) return false;
  const computed =
    code.codeChallengeMethod === "S256"
      ? createHash("sha256").update(verifier).digest("base64url")
      : verifier;
  return computed === code.codeChallenge;
}

async function userTokens(
  ctx: SandboxContext,
  p: { app: RegisteredApp; mailboxId: string; scopes: string[]; nonce: string | null; form: URLSearchParams },
): Promise<SandboxReply> {
  const { state } = ctx;
  const graph = graphScopes(p.scopes.join(" "));
  const tenantId = homeTenantId(state, p.mailboxId);
  const body: Record<string, unknown> = {
    token_type: "Bearer",
    scope: [
      ...graph.map((s) => GRAPH_RESOURCE + s),
      ...p.scopes.filter((s) => ["openid", "profile", "email"].includes(s)),
    ].join(" "),
    expires_in: ACCESS_TOKEN_SECONDS,
    ext_expires_in: ACCESS_TOKEN_SECONDS,
    access_token: issueAccessToken(state, {
      clientId: p.app.clientId,
      mailboxId: p.mailboxId,
      tenantId,
      scopes: graph,
    }),
  };
  if (p.scopes.includes("offline_access")) {
    body.refresh_token = issueRefreshToken(state, {
      clientId: p.app.clientId,
      mailboxId: p.mailboxId,
      scopes: p.scopes,
      spa: p.app.kind === "spa",
    });
  }
  if (p.scopes.includes("openid")) {
    body.id_token = await issueIdToken(ctx, {
      clientId: p.app.clientId,
      mailboxId: p.mailboxId,
      scopes: p.scopes,
      nonce: p.nonce,
    });
  }
  if (p.form.get("client_info") === "1") {
    const mailbox = state.mailboxes.get(p.mailboxId);
    body.client_info = Buffer.from(JSON.stringify({ uid: mailbox?.id, utid: tenantId })).toString(
      "base64url",
    );
  }
  return { status: 200, headers: { "cache-control": "no-store" }, body };
}

async function authorizationCodeGrant(
  ctx: SandboxContext,
  app: RegisteredApp,
  form: URLSearchParams,
): Promise<SandboxReply> {
  const code = ctx.state.codes.get(form.get("code") ?? "");
  if (!code || code.clientId !== app.clientId)
    throw invalidGrant(70000, "The provided authorization code is invalid or malformed.");
  if (code.redeemed)
    throw invalidGrant(
      54005,
      "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
    );
  if (ctx.state.now() > code.expiresAt)
    throw invalidGrant(
      70008,
      "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
    );
  if (form.get("redirect_uri") !== code.redirectUri) {
    throw invalidGrant(
      500117,
      "The reply uri specified in the request does not match the reply uri used in the authorization request.",
    );
  }
  // A wrong verifier does not burn the code (reference 1.2, observed).
  if (!verifierMatches(code, form.get("code_verifier")))
    throw invalidGrant(
      501481,
      "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
    );
  code.redeemed = true;
  return userTokens(ctx, { app, mailboxId: code.mailboxId, scopes: code.scopes, nonce: code.nonce, form });
}

async function refreshTokenGrant(
  ctx: SandboxContext,
  app: RegisteredApp,
  form: URLSearchParams,
): Promise<SandboxReply> {
  const { state } = ctx;
  const grant = state.refreshTokens.get(form.get("refresh_token") ?? "");
  if (!grant) throw invalidGrant(9002313, "Invalid request. Request is malformed or invalid.");
  if (grant.clientId !== app.clientId)
    throw invalidGrant(70000, "The provided refresh token was issued to a different client.");
  if (grant.revoked) throw invalidGrant(grant.revoked.aadsts, grant.revoked.message);
  const now = state.now();
  if (grant.spa && now - grant.issuedAt > SPA_REFRESH_MS) {
    throw invalidGrant(
      700084,
      "The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended.",
    );
  }
  if (now - grant.lastUsedAt > REFRESH_IDLE_MS) {
    throw invalidGrant(
      700082,
      "The refresh token has expired due to inactivity. The token was issued on " +
        new Date(grant.issuedAt).toISOString() +
        " and was inactive for 90.00:00:00.",
    );
  }
  const requested = form.get("scope")?.split(/\s+/).filter(Boolean) ?? grant.scopes;
  const consented = new Set(graphScopes(grant.scopes.join(" ")));
  const missing = graphScopes(requested.join(" ")).filter((scope) => !consented.has(scope));
  if (missing.length > 0) {
    // Consent failures on the token endpoint are invalid_grant + suberror (fidelity trap 6).
    throw invalidGrant(
      65001,
      `The user or administrator has not consented to use the application with ID '${app.clientId}'. Send an interactive authorization request for this user and resource.`,
      "consent_required",
    );
  }
  grant.lastUsedAt = now;
  // The old refresh token stays valid; a new one comes back every time (reference 1.3).
  return userTokens(ctx, {
    app,
    mailboxId: grant.mailboxId,
    scopes: [...new Set([...grant.scopes, ...requested])],
    nonce: null,
    form,
  });
}

function clientCredentialsGrant(
  ctx: SandboxContext,
  app: RegisteredApp,
  form: URLSearchParams,
): SandboxReply {
  const segment = resolveTenantSegment(ctx.state, ctx.req.params.tenant ?? "");
  if (segment?.kind !== "tenant") {
    throw new IdentityError({
      error: "invalid_request",
      aadsts: 50059,
      message:
        "No tenant-identifying information found in either the request or implied by any provided credentials.",
    });
  }
  if (app.kind !== "web")
    throw new IdentityError({
      error: "unauthorized_client",
      aadsts: 700025,
      message: "Client is public; client_credentials needs a confidential client.",
    });
  const scope = form.get("scope") ?? "";
  if (!scope.endsWith("/.default")) {
    throw new IdentityError({
      error: "invalid_scope",
      aadsts: 1002012,
      message: `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    });
  }
  const access = issueAccessToken(ctx.state, {
    clientId: app.clientId,
    mailboxId: null,
    tenantId: segment.tenantId,
    scopes: APPLICATION_ROLES,
  });
  return {
    status: 200,
    headers: { "cache-control": "no-store" },
    body: {
      token_type: "Bearer",
      expires_in: ACCESS_TOKEN_SECONDS,
      ext_expires_in: ACCESS_TOKEN_SECONDS,
      access_token: access,
    },
  };
}

/** POST /{tenant}/oauth2/v2.0/token (reference 1.3 - 1.5). */
export async function handleToken(ctx: SandboxContext): Promise<SandboxReply> {
  const form = new URLSearchParams(ctx.req.rawBody);
  if (!resolveTenantSegment(ctx.state, ctx.req.params.tenant ?? "")) {
    throw new IdentityError({
      error: "invalid_request",
      aadsts: 90002,
      message: `Tenant '${ctx.req.params.tenant}' not found.`,
    });
  }
  const app = authenticateClient(ctx, form);
  const grantType = form.get("grant_type");
  switch (grantType) {
    case "authorization_code":
    case "refresh_token":
    case "client_credentials": {
      const reply =
        grantType === "authorization_code"
          ? await authorizationCodeGrant(ctx, app, form)
          : grantType === "refresh_token"
            ? await refreshTokenGrant(ctx, app, form)
            : clientCredentialsGrant(ctx, app, form);
      // Counted once tokens were issued (a refused grant throws before this).
      ctx.state.tokenGrants[grantType]++;
      return reply;
    }
    default:
      throw new IdentityError({
        error: "unsupported_grant_type",
        aadsts: 70003,
        message: `The app requested an unsupported grant type '${form.get("grant_type")}'.`,
      });
  }
}
