import type { FastifyInstance } from "fastify";
import { GoogleOAuthError } from "./errors.ts";
import { ACCESS_TOKEN_SECONDS, type IssuedTokens } from "./oauth-store.ts";
import type { SandboxContext } from "./sandbox-context.ts";
import type { SeedClient } from "./seed-schema.ts";

/**
 * Token and revoke endpoints (3.3, 3.4). Clients authenticate with client_secret_post (google-auth-library)
 * or HTTP Basic (openid-client's default). Refresh responses carry no `refresh_token`: Google does not rotate.
 */
export function registerTokenRoutes(app: FastifyInstance, context: SandboxContext): void {
  const { state } = context;

  app.post("/token", async (request) => {
    const form = (request.body ?? {}) as Record<string, string>;
    const client = authenticateClient(context, request.headers.authorization, form);
    const need = (name: string): string => {
      const value = form[name];
      if (!value)
        throw new GoogleOAuthError({
          error: "invalid_request",
          description: `Missing required parameter: ${name}`,
        });
      return value;
    };
    let issued: IssuedTokens;
    if (form.grant_type === "authorization_code") {
      issued = state.oauth.redeemCode({
        code: need("code"),
        clientId: client.clientId,
        redirectUri: need("redirect_uri"),
        ...(form.code_verifier ? { codeVerifier: form.code_verifier } : {}),
      });
    } else if (form.grant_type === "refresh_token") {
      issued = state.oauth.refresh({ refreshToken: need("refresh_token"), clientId: client.clientId });
    } else {
      throw new GoogleOAuthError({
        error: "unsupported_grant_type",
        description: `Invalid grant_type: ${form.grant_type ?? ""}`,
      });
    }
    const body: Record<string, string | number> = {
      access_token: issued.access.token,
      expires_in: ACCESS_TOKEN_SECONDS,
      scope: issued.access.scopes.join(" "),
      token_type: "Bearer",
    };
    if (issued.refreshToken) body.refresh_token = issued.refreshToken;
    if (issued.refreshExpiresIn !== undefined) body.refresh_token_expires_in = issued.refreshExpiresIn;
    const account = state.accounts.get(issued.access.account);
    if (account && issued.access.scopes.includes("openid")) {
      body.id_token = await context.signer.sign({
        issuer: context.idTokenIssuer(),
        clientId: client.clientId,
        account,
        ...(issued.nonce === undefined ? {} : { nonce: issued.nonce }),
        nowMs: state.now(),
        accessToken: issued.access.token,
      });
    }
    return body;
  });

  // Revoking either token of a grant kills both (3.1); the token may come in the query or the form.
  app.post("/revoke", async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string>;
    const token = (request.query as Record<string, string>).token ?? form.token;
    if (!token || !state.oauth.revoke(token)) {
      throw new GoogleOAuthError({ error: "invalid_token", description: "Token expired or revoked" });
    }
    return reply.status(200).send({});
  });
}

function authenticateClient(
  context: SandboxContext,
  authorization: string | undefined,
  form: Record<string, string>,
): SeedClient {
  let clientId = form.client_id;
  let secret = form.client_secret;
  if (authorization?.startsWith("Basic ")) {
    const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
    const split = decoded.indexOf(":");
    clientId = decodeURIComponent(decoded.slice(0, split));
    secret = decodeURIComponent(decoded.slice(split + 1));
  }
  const client = clientId ? context.state.oauth.client(clientId) : undefined;
  if (!client)
    throw new GoogleOAuthError({
      error: "invalid_client",
      description: "The OAuth client was not found.",
      status: 401,
    });
  if (client.clientSecret !== secret) {
    throw new GoogleOAuthError({ error: "invalid_client", description: "Unauthorized", status: 401 });
  }
  return client;
}
