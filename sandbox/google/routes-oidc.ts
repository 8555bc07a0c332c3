import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { SandboxContext } from "./sandbox-context.ts";

/**
 * OIDC discovery, JWKS and userinfo (3.1). Paths mirror Google's (`/oauth2/v3/certs`, `/v1/userinfo`
 * and `/oauth2/v3/userinfo`), all on the sandbox origin, whereas Google spreads them over three hosts.
 */
export function registerOidcRoutes(app: FastifyInstance, context: SandboxContext): void {
  const { state } = context;
  app.get("/.well-known/openid-configuration", async () => {
    const origin = context.origin();
    return {
      issuer: origin,
      authorization_endpoint: `${origin}/o/oauth2/v2/auth`,
      device_authorization_endpoint: `${origin}/device/code`,
      token_endpoint: `${origin}/token`,
      userinfo_endpoint: `${origin}/v1/userinfo`,
      revocation_endpoint: `${origin}/revoke`,
      jwks_uri: `${origin}/oauth2/v3/certs`,
      response_types_supported: ["code", "token", "id_token", "code token", "code id_token", "none"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid", "email", "profile"],
      token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
      claims_supported: [
        "aud",
        "email",
        "email_verified",
        "exp",
        "family_name",
        "given_name",
        "iat",
        "iss",
        "name",
        "picture",
        "sub",
      ],
      code_challenge_methods_supported: ["plain", "S256"],
      grant_types_supported: ["authorization_code", "refresh_token"],
    };
  });

  app.get("/oauth2/v3/certs", async () => context.signer.jwks());

  const userinfo = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? "")?.[1];
    const grant = token === undefined ? undefined : state.oauth.authenticate(token);
    const account = grant ? state.accounts.get(grant.account) : undefined;
    if (!grant || !account) {
      return reply
        .status(401)
        .header("www-authenticate", 'Bearer realm="https://accounts.google.com/", error="invalid_token"')
        .send({ error: "invalid_request", error_description: "Invalid Credentials" });
    }
    const body: Record<string, string | boolean> = { sub: account.sub };
    if (grant.scopes.some((scope) => scope === "email" || scope.endsWith("userinfo.email"))) {
      body.email = account.email;
      body.email_verified = true;
    }
    if (grant.scopes.some((scope) => scope === "profile" || scope.endsWith("userinfo.profile"))) {
      body.name = account.name;
    }
    if (account.hd) body.hd = account.hd;
    return body;
  };
  for (const path of ["/v1/userinfo", "/oauth2/v3/userinfo"]) {
    app.get(path, userinfo);
    app.post(path, userinfo);
  }
}
