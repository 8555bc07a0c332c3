import * as oidc from "openid-client";
import type { SourceError, SourceResult } from "../core/sync/calendar-source.ts";
import type { ProviderHttp, ProviderHttpResult } from "./provider-http.ts";

/**
 * The authorization-code flow with PKCE (S256) and refresh, for every OAuth provider, on openid-client. Token
 * requests go through the provider HTTP layer (timeouts, 429 handling, metrics) by way of openid-client's
 * customFetch; each provider maps the token endpoint's failures to the port's typed errors itself.
 */
export interface OAuthProviderSettings {
  provider: "microsoft" | "google";
  issuer: string;
  /**
   * Other spellings of `issuer` the provider documents for its ID tokens' `iss` (Google: `accounts.google.com`
   * beside `https://accounts.google.com`). An ID token naming one of them is read as naming `issuer`; every other
   * check (audience, expiry, issued-at, nonce) stays openid-client's.
   */
  issuerAliases?: readonly string[];
  authorizationEndpoint: string;
  tokenEndpoint: string;
  revocationEndpoint?: string;
  clientId: string;
  clientSecret: string | undefined;
  scopes: readonly string[];
  /** Extra authorize parameters (Google: access_type=offline, prompt=consent, include_granted_scopes=true). */
  authorizeParams?: Record<string, string>;
  /** Extra token request parameters (Microsoft: client_info=1). */
  tokenParams?: Record<string, string>;
  mapTokenFailure(result: ProviderHttpResult): SourceError;
}

export interface OAuthTokens {
  accessToken: string;
  /** Absent when the provider keeps the old one valid and sends none (Google refreshes). */
  refreshToken: string | undefined;
  expiresAt: Date;
  /** Space-separated scopes granted, when the provider says. */
  scope: string | undefined;
  /** Provider-specific fields of the token response (Microsoft client_info). */
  extra: Record<string, unknown>;
  /** The ID token's claims, when `openid` was asked for (Google: sub, email, hd). */
  idClaims?: Record<string, unknown>;
}

export interface OAuthClient {
  readonly settings: OAuthProviderSettings;
  buildAuthorizationUrl(params: {
    redirectUri: string;
    state: string;
    codeVerifier: string;
    loginHint?: string;
  }): Promise<string>;
  exchangeCode(params: {
    /** The callback URL as the provider called it: redirect_uri is that URL without its query. */
    callbackUrl: URL;
    codeVerifier: string;
    expectedState: string;
  }): Promise<SourceResult<OAuthTokens>>;
  refresh(params: { refreshToken: string }): Promise<SourceResult<OAuthTokens>>;
  /** Revokes a grant at the provider (RFC 7009), when it has a revocation endpoint; a dead token counts as revoked. */
  revoke?(params: { token: string }): Promise<SourceResult<void>>;
}

export function createOAuthClient(params: {
  settings: OAuthProviderSettings;
  http: ProviderHttp;
  now: () => Date;
}): OAuthClient {
  const { settings, http } = params;

  /** One configuration per operation, so the last raw answer it saw can be mapped when openid-client throws. */
  function configure(): { config: oidc.Configuration; last: () => ProviderHttpResult | undefined } {
    let last: ProviderHttpResult | undefined;
    const config = new oidc.Configuration(
      {
        issuer: settings.issuer,
        authorization_endpoint: settings.authorizationEndpoint,
        token_endpoint: settings.tokenEndpoint,
      },
      settings.clientId,
      undefined,
      settings.clientSecret ? oidc.ClientSecretPost(settings.clientSecret) : oidc.None(),
    );
    // Operator-configured endpoints (the sandbox speaks plain http on loopback); real providers are https.
    if (settings.tokenEndpoint.startsWith("http:")) oidc.allowInsecureRequests(config);
    config[oidc.customFetch] = async (url, options) => {
      const result = await http.request({
        account: `${settings.provider}:token`,
        method: (options.method ?? "POST") as "POST",
        url: String(url),
        headers: Object.fromEntries(new Headers(options.headers).entries()),
        ...(options.body !== undefined && options.body !== null ? { body: String(options.body) } : {}),
        // A code is single-use and a refresh may rotate the token: only 429s (not applied) are retried.
        idempotent: false,
      });
      last = result;
      if (result.kind !== "response") throw new Error("token endpoint unreachable");
      const body = settings.issuerAliases?.length
        ? withCanonicalIssuer(result.body, settings.issuer, settings.issuerAliases)
        : result.body;
      return new Response(body, { status: result.status, headers: result.headers });
    };
    return { config, last: () => last };
  }

  function toTokens(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): OAuthTokens {
    const claims = response.id_token ? response.claims() : undefined;
    const {
      access_token,
      refresh_token,
      expires_in,
      scope,
      token_type: _type,
      id_token: _id,
      ...extra
    } = response;
    return {
      accessToken: access_token,
      refreshToken: refresh_token,
      // Without expires_in, assume the shortest lifetime providers use (Microsoft 60-90 min, Google 60 min).
      expiresAt: new Date(params.now().getTime() + (expires_in ?? 3600) * 1000),
      scope,
      extra,
      ...(claims ? { idClaims: { ...claims } } : {}),
    };
  }

  function failure(last: ProviderHttpResult | undefined): { ok: false; error: SourceError } {
    if (!last)
      return {
        ok: false,
        error: {
          kind: "unavailable",
          message: `the ${settings.provider} token endpoint could not be reached`,
        },
      };
    return { ok: false, error: settings.mapTokenFailure(last) };
  }

  const revocationEndpoint = settings.revocationEndpoint;
  const revoke = revocationEndpoint
    ? async ({ token }: { token: string }): Promise<SourceResult<void>> => {
        const result = await http.request({
          account: `${settings.provider}:token`,
          method: "POST",
          url: revocationEndpoint,
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ token }).toString(),
          idempotent: true,
        });
        if (result.kind === "response" && result.status < 300) return { ok: true, value: undefined };
        // 400 invalid_token: already revoked or expired, which is what was wanted.
        if (result.kind === "response" && result.status === 400) return { ok: true, value: undefined };
        return { ok: false, error: settings.mapTokenFailure(result) };
      }
    : undefined;

  return {
    settings,
    ...(revoke ? { revoke } : {}),
    async buildAuthorizationUrl({ redirectUri, state, codeVerifier, loginHint }) {
      const { config } = configure();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        response_type: "code",
        scope: settings.scopes.join(" "),
        state,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: "S256",
        ...(loginHint ? { login_hint: loginHint } : {}),
        ...settings.authorizeParams,
      });
      return url.href;
    },
    async exchangeCode({ callbackUrl, codeVerifier, expectedState }) {
      const { config, last } = configure();
      try {
        const response = await oidc.authorizationCodeGrant(
          config,
          callbackUrl,
          { pkceCodeVerifier: codeVerifier, expectedState },
          settings.tokenParams,
        );
        return { ok: true, value: toTokens(response) };
      } catch {
        return failure(last());
      }
    },
    async refresh({ refreshToken }) {
      const { config, last } = configure();
      try {
        const response = await oidc.refreshTokenGrant(config, refreshToken, settings.tokenParams);
        return { ok: true, value: toTokens(response) };
      } catch {
        return failure(last());
      }
    },
  };
}

/**
 * A token answer whose ID token names its issuer in a documented alternative spelling, with `iss` written as the
 * canonical one, so openid-client's exact comparison holds. The token came straight from the token endpoint over
 * TLS (OIDC Core 3.1.3.7: its signature need not be checked, and openid-client does not), and only `iss` is
 * touched; the token itself is not kept (only its claims are). Anything else passes unchanged.
 */
export function withCanonicalIssuer(body: string, issuer: string, aliases: readonly string[]): string {
  let answer: { id_token?: unknown };
  try {
    answer = JSON.parse(body) as { id_token?: unknown };
  } catch {
    return body;
  }
  if (typeof answer.id_token !== "string") return body;
  const parts = answer.id_token.split(".");
  if (parts.length !== 3) return body;
  let claims: { iss?: unknown };
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as { iss?: unknown };
  } catch {
    return body;
  }
  if (typeof claims.iss !== "string" || !aliases.includes(claims.iss)) return body;
  const payload = Buffer.from(JSON.stringify({ ...claims, iss: issuer }), "utf8").toString("base64url");
  return JSON.stringify({ ...answer, id_token: `${parts[0]}.${payload}.${parts[2]}` });
}
