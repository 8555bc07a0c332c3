import type { SandboxContext } from "./context.ts";
import type { SandboxReply } from "./http-kit.ts";
import { IdentityError } from "./identity-errors.ts";
import { MSA_TENANT_ID } from "./identity-grants.ts";
import { resolveTenantSegment } from "./tenants.ts";

/**
 * GET /{tenant}/v2.0/.well-known/openid-configuration. For `common` and `organizations` the issuer is
 * the literal template `.../{tenantid}/v2.0`, as Entra publishes it; tokens carry the real tenant.
 */
export function handleDiscovery(ctx: SandboxContext): SandboxReply {
  const raw = ctx.req.params.tenant ?? "";
  const segment = resolveTenantSegment(ctx.state, raw);
  if (!segment)
    throw new IdentityError({
      error: "invalid_tenant",
      aadsts: 90002,
      message: `Tenant '${raw}' not found.`,
    });
  const issuerTenant =
    segment.kind === "tenant"
      ? segment.tenantId
      : segment.kind === "consumers"
        ? MSA_TENANT_ID
        : "{tenantid}";
  const base = `${ctx.origin}/${raw}`;
  return {
    status: 200,
    body: {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `${ctx.origin}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: [
        "sub",
        "iss",
        "aud",
        "exp",
        "iat",
        "nonce",
        "preferred_username",
        "name",
        "tid",
        "ver",
        "oid",
        "email",
      ],
      tenant_region_scope: segment.kind === "tenant" ? "EU" : null,
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
    },
  };
}

export function handleJwks(ctx: SandboxContext): SandboxReply {
  return { status: 200, body: ctx.keys.jwks };
}
