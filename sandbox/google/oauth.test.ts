import { OAuth2Client } from "google-auth-library";
import * as oidc from "openid-client";
import { describe, expect, it } from "vitest";
import { ALICE, BOB } from "./test-accounts.ts";
import { useGoogleSandbox } from "./test-fixture.ts";
import { authorizeRedirect, CALENDAR_SCOPE, loginForTests, SANDBOX_CLIENT } from "./test-login.ts";

const fixture = useGoogleSandbox();

async function discover(): Promise<oidc.Configuration> {
  return oidc.discovery(
    new URL(fixture.url),
    SANDBOX_CLIENT.clientId,
    SANDBOX_CLIENT.clientSecret,
    undefined,
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
}

async function postForm(
  path: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${fixture.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

const refreshForm = (refreshToken: string) => ({
  grant_type: "refresh_token",
  refresh_token: refreshToken,
  client_id: SANDBOX_CLIENT.clientId,
  client_secret: SANDBOX_CLIENT.clientSecret,
});

async function calendarStatus(accessToken: string): Promise<number> {
  const response = await fetch(`${fixture.url}/calendar/v3/users/me/calendarList`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  await response.arrayBuffer();
  return response.status;
}

describe("Google OAuth with openid-client", () => {
  it("runs discovery, PKCE code flow, id token validation, userinfo and non-rotating refresh", async () => {
    const config = await discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: SANDBOX_CLIENT.redirectUri,
      scope: `openid email profile ${CALENDAR_SCOPE}`,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
      access_type: "offline",
      prompt: "consent",
      login_hint: BOB,
    });
    const redirect = await fetch(authUrl, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    const callback = new URL(redirect.headers.get("location")!);
    expect(callback.searchParams.get("hd")).toBe("northwind.example");
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.expires_in).toBe(3599);
    expect(tokens.scope?.split(" ")).toContain(CALENDAR_SCOPE);
    expect(tokens.refresh_token).toMatch(/^1\/\//);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ email: BOB, hd: "northwind.example", sub: "117829304455610098765" });
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ email: BOB, email_verified: true, name: "Bob Northwind" });

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).toBeUndefined();
    // The old refresh token stays valid: Google does not rotate.
    const again = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(await calendarStatus(again.access_token)).toBe(200);
  });

  it("rejects a wrong PKCE verifier and a reused code with invalid_grant", async () => {
    const redirect = await authorizeRedirect({
      url: fixture.url,
      account: ALICE,
      extra: { code_challenge: "x".repeat(43), code_challenge_method: "plain" },
    });
    const code = redirect.searchParams.get("code")!;
    const exchange = (verifier: string) =>
      postForm("/token", {
        grant_type: "authorization_code",
        code,
        code_verifier: verifier,
        redirect_uri: SANDBOX_CLIENT.redirectUri,
        client_id: SANDBOX_CLIENT.clientId,
        client_secret: SANDBOX_CLIENT.clientSecret,
      });
    expect(await exchange("y".repeat(43))).toEqual({
      status: 400,
      body: { error: "invalid_grant", error_description: "Bad Request" },
    });
    expect((await exchange("x".repeat(43))).status).toBe(200);
    expect((await exchange("x".repeat(43))).body.error).toBe("invalid_grant");
  });

  it("answers a wrong client secret with 401 invalid_client", async () => {
    const { status, body } = await postForm("/token", { ...refreshForm("1//nope"), client_secret: "wrong" });
    expect(status).toBe(401);
    expect(body.error).toBe("invalid_client");
  });
});

describe("refresh tokens and consent", () => {
  async function exchange(redirect: URL): Promise<Record<string, string>> {
    const { body } = await postForm("/token", {
      grant_type: "authorization_code",
      code: redirect.searchParams.get("code")!,
      redirect_uri: SANDBOX_CLIENT.redirectUri,
      client_id: SANDBOX_CLIENT.clientId,
      client_secret: SANDBOX_CLIENT.clientSecret,
    });
    return body;
  }

  it("issues a refresh token only on a consent that grants offline access", async () => {
    const online = await exchange(
      await authorizeRedirect({
        url: fixture.url,
        account: ALICE,
        extra: { access_type: "online", prompt: "" },
      }),
    );
    expect(online.refresh_token).toBeUndefined();
    const first = await exchange(
      await authorizeRedirect({ url: fixture.url, account: ALICE, extra: { prompt: "" } }),
    );
    expect(first.refresh_token).toBeDefined();
    const repeat = await exchange(
      await authorizeRedirect({ url: fixture.url, account: ALICE, extra: { prompt: "" } }),
    );
    expect(repeat.refresh_token).toBeUndefined();
    const forced = await exchange(
      await authorizeRedirect({ url: fixture.url, account: ALICE, extra: { prompt: "consent" } }),
    );
    expect(forced.refresh_token).toBeDefined();
  });

  it("adds earlier grants with include_granted_scopes=true", async () => {
    await authorizeRedirect({ url: fixture.url, account: ALICE, scopes: [`${CALENDAR_SCOPE}.readonly`] });
    const redirect = await authorizeRedirect({
      url: fixture.url,
      account: ALICE,
      scopes: ["email"],
      extra: { include_granted_scopes: "true" },
    });
    expect(redirect.searchParams.get("scope")?.split(" ").sort()).toEqual([
      "email",
      `${CALENDAR_SCOPE}.readonly`,
    ]);
    const tokens = await exchange(redirect);
    expect(tokens.scope?.split(" ").sort()).toEqual(["email", `${CALENDAR_SCOPE}.readonly`]);
  });

  it("kills both tokens on /revoke, and refresh then fails with invalid_grant", async () => {
    const { accessToken, refreshToken } = await loginForTests({ url: fixture.url, account: ALICE });
    const revoke = await fetch(`${fixture.url}/revoke?token=${encodeURIComponent(accessToken)}`, {
      method: "POST",
    });
    expect(revoke.status).toBe(200);
    expect(await calendarStatus(accessToken)).toBe(401);
    expect(await postForm("/token", refreshForm(refreshToken!))).toEqual({
      status: 400,
      body: { error: "invalid_grant", error_description: "Token has been expired or revoked." },
    });
    const again = await postForm(`/revoke`, { token: refreshToken! });
    expect(again).toEqual({
      status: 400,
      body: { error: "invalid_token", error_description: "Token expired or revoked" },
    });
  });

  it("revokes every token of an account through the admin API", async () => {
    const { refreshToken } = await loginForTests({ url: fixture.url, account: BOB });
    const admin = await fixture.admin("tokens/revoke", { account: BOB });
    expect(await admin.json()).toEqual({ ok: true, revoked: 1 });
    expect((await postForm("/token", refreshForm(refreshToken!))).body.error).toBe("invalid_grant");
  });

  it("expires access tokens after 3599 s and testing-app refresh tokens after 7 days (controllable clock)", async () => {
    const redirect = await authorizeRedirect({
      url: fixture.url,
      account: ALICE,
      extra: { client_id: "calbridge-testing.apps.googleusercontent.com" },
    });
    const { body } = await postForm("/token", {
      grant_type: "authorization_code",
      code: redirect.searchParams.get("code")!,
      redirect_uri: SANDBOX_CLIENT.redirectUri,
      client_id: "calbridge-testing.apps.googleusercontent.com",
      client_secret: "GOCSPX-testing-client-secret",
    });
    expect(body.refresh_token_expires_in).toBe(604799);
    const advance = (ms: number) => fixture.admin("clock", { advanceMs: ms });
    await advance(3600_000);
    expect(await calendarStatus(body.access_token!)).toBe(401);
    await advance(7 * 24 * 3600_000);
    const refresh = await postForm("/token", {
      ...refreshForm(body.refresh_token!),
      client_id: "calbridge-testing.apps.googleusercontent.com",
      client_secret: "GOCSPX-testing-client-secret",
    });
    expect(refresh.body.error).toBe("invalid_grant");
  });
});

describe("google-auth-library OAuth2Client", () => {
  it("exchanges a code, refreshes on a 401 by itself and revokes", async () => {
    const client = new OAuth2Client({
      clientId: SANDBOX_CLIENT.clientId,
      clientSecret: SANDBOX_CLIENT.clientSecret,
      redirectUri: SANDBOX_CLIENT.redirectUri,
      // The client judges expiry by its own clock, which the sandbox clock does not move.
      forceRefreshOnFailure: true,
      endpoints: {
        oauth2AuthBaseUrl: `${fixture.url}/o/oauth2/v2/auth`,
        oauth2TokenUrl: `${fixture.url}/token`,
        oauth2RevokeUrl: `${fixture.url}/revoke`,
      },
    });
    const authUrl = client.generateAuthUrl({
      access_type: "offline",
      prompt: "consent",
      scope: [CALENDAR_SCOPE],
      include_granted_scopes: true,
      login_hint: ALICE,
    });
    const redirect = await fetch(authUrl, { redirect: "manual" });
    const code = new URL(redirect.headers.get("location")!).searchParams.get("code")!;
    const { tokens } = await client.getToken(code);
    expect(tokens.refresh_token).toBeDefined();
    client.setCredentials(tokens);
    // The sandbox clock passes the access token's lifetime; the client still believes it valid,
    // gets a 401, refreshes with the (unrotated) refresh token and retries.
    await fixture.admin("clock", { advanceMs: 3600_000 });
    const response = await client.request<{ items: unknown[] }>({
      url: `${fixture.url}/calendar/v3/users/me/calendarList`,
    });
    expect(response.status).toBe(200);
    expect(client.credentials.access_token).not.toBe(tokens.access_token);
    expect(client.credentials.refresh_token).toBe(tokens.refresh_token);
    await client.revokeToken(client.credentials.access_token!);
    expect(await calendarStatus(client.credentials.access_token!)).toBe(401);
  });
});
