import { createHash, randomBytes } from "node:crypto";
import * as client from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MicrosoftSandbox, startMicrosoftSandbox } from "./server.ts";
import { admin, type Json } from "./test-session.ts";
import { CONTOSO_TENANT, WEB_APP } from "./test-sign-in.ts";

let sandbox: MicrosoftSandbox;
beforeAll(async () => {
  sandbox = await startMicrosoftSandbox({ autoApprove: true });
});
afterAll(() => sandbox.close());

async function postToken(
  body: Record<string, string>,
  tenant = "common",
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${sandbox.url}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function authorizeCode(query: Record<string, string>, tenant = "common"): Promise<URL> {
  const url = new URL(`${sandbox.url}/${tenant}/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: WEB_APP.clientId,
    response_type: "code",
    redirect_uri: WEB_APP.redirectUri,
    scope: "openid offline_access Calendars.ReadWrite",
    ...query,
  }).toString();
  const response = await fetch(url, { redirect: "manual" });
  return new URL(response.headers.get("location") ?? "");
}

function expectAadError(body: Json, error: string, code: number): void {
  expect(body.error).toBe(error);
  expect(body.error_codes).toEqual([code]);
  expect(String(body.error_description)).toMatch(
    new RegExp(`^AADSTS${code}: .*\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: `),
  );
  expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
}

describe("OIDC with openid-client", () => {
  it("discovers the tenant, runs auth code + PKCE S256, verifies the id_token and rotates refresh tokens", async () => {
    const config = await client.discovery(
      new URL(`${sandbox.url}/${CONTOSO_TENANT}/v2.0`),
      WEB_APP.clientId,
      WEB_APP.clientSecret,
      undefined,
      { execute: [client.allowInsecureRequests] },
    );
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const authorizeUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: WEB_APP.redirectUri,
      scope: "openid profile email offline_access User.Read Calendars.ReadWrite",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      nonce,
      state: "xyz",
      login_hint: "adele@contoso.com",
    });
    const redirect = await fetch(authorizeUrl, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    const callback = new URL(redirect.headers.get("location") ?? "");
    expect(callback.searchParams.get("state")).toBe("xyz");
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: "xyz",
    });
    const claims = tokens.claims();
    expect(claims?.tid).toBe(CONTOSO_TENANT);
    expect(claims?.preferred_username).toBe("adele@contoso.com");
    expect(claims?.iss).toBe(`${sandbox.url}/${CONTOSO_TENANT}/v2.0`);
    expect(tokens.scope).toContain("https://graph.microsoft.com/Calendars.ReadWrite");
    expect(tokens.expires_in).toBe(3599);
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    const me = await fetch(`${sandbox.url}/v1.0/me`, {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    });
    expect(((await me.json()) as Json).userPrincipalName).toBe("adele@contoso.com");
  });

  it("publishes the template issuer for common and a JWKS", async () => {
    const discovery = (await (
      await fetch(`${sandbox.url}/common/v2.0/.well-known/openid-configuration`)
    ).json()) as Json;
    expect(discovery.issuer).toBe(`${sandbox.url}/{tenantid}/v2.0`);
    const jwks = (await (await fetch(String(discovery.jwks_uri))).json()) as { keys: Json[] };
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", use: "sig", alg: "RS256" });
  });
});

describe("authorize endpoint", () => {
  it("shows a consent page listing work and personal accounts without auto-approve", async () => {
    const manual = await startMicrosoftSandbox({});
    try {
      const url = `${manual.url}/common/oauth2/v2.0/authorize?client_id=${WEB_APP.clientId}&response_type=code&redirect_uri=${encodeURIComponent(WEB_APP.redirectUri)}&scope=openid&state=q`;
      const page = await (await fetch(url)).text();
      expect(page).toContain("adele@contoso.com");
      expect(page).toContain("sam.taylor@outlook.com");
      expect(page).toContain("Sandbox");
      const organizations = await (await fetch(url.replace("/common/", "/organizations/"))).text();
      expect(organizations).not.toContain("sam.taylor@outlook.com");
      const cancel = /id="cancel" href="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&") ?? "";
      const denied = await fetch(`${manual.url}${cancel}`, { redirect: "manual" });
      const location = new URL(denied.headers.get("location") ?? "");
      expect(location.searchParams.get("error")).toBe("access_denied");
      expect(location.searchParams.get("state")).toBe("q");
    } finally {
      await manual.close();
    }
  });

  it("rejects an unregistered redirect URI on an error page, not a redirect", async () => {
    const response = await fetch(
      `${sandbox.url}/common/oauth2/v2.0/authorize?client_id=${WEB_APP.clientId}&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&scope=openid`,
      { redirect: "manual" },
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("AADSTS50011");
  });

  it("signs personal accounts in through consumers with the MSA tenant id", async () => {
    const location = await authorizeCode(
      { login_hint: "sam.taylor@outlook.com", scope: "openid profile" },
      "consumers",
    );
    const tokens = await postToken(
      {
        grant_type: "authorization_code",
        client_id: WEB_APP.clientId,
        client_secret: WEB_APP.clientSecret,
        code: location.searchParams.get("code") ?? "",
        redirect_uri: WEB_APP.redirectUri,
      },
      "consumers",
    );
    const payload = JSON.parse(
      Buffer.from(String(tokens.body.id_token).split(".")[1] ?? "", "base64url").toString(),
    ) as Json;
    expect(payload.tid).toBe("9188040d-6c67-4c5b-b112-36a304b66dad");
    expect(tokens.body.refresh_token).toBeUndefined();
  });
});

describe("token endpoint errors", () => {
  const base = {
    grant_type: "authorization_code",
    client_id: WEB_APP.clientId,
    client_secret: WEB_APP.clientSecret,
    redirect_uri: WEB_APP.redirectUri,
  };

  it("plain PKCE works; a wrong verifier is 501481 without burning the code; reuse is 54005", async () => {
    const location = await authorizeCode({
      code_challenge: "plain-verifier-0123456789012345678901234567890",
      login_hint: "megan@contoso.com",
    });
    const code = location.searchParams.get("code") ?? "";
    const wrong = await postToken({ ...base, code, code_verifier: "nope" });
    expect(wrong.status).toBe(400);
    expectAadError(wrong.body, "invalid_grant", 501481);
    const good = await postToken({
      ...base,
      code,
      code_verifier: "plain-verifier-0123456789012345678901234567890",
    });
    expect(good.status).toBe(200);
    const again = await postToken({
      ...base,
      code,
      code_verifier: "plain-verifier-0123456789012345678901234567890",
    });
    expectAadError(again.body, "invalid_grant", 54005);
  });

  it("S256 mismatch, bad secret, unknown client and expired code", async () => {
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const location = await authorizeCode({ code_challenge: challenge, code_challenge_method: "S256" });
    const code = location.searchParams.get("code") ?? "";
    expectAadError(
      (await postToken({ ...base, code, code_verifier: verifier.slice(1) })).body,
      "invalid_grant",
      501481,
    );
    const badSecret = await postToken({ ...base, code, code_verifier: verifier, client_secret: "wrong" });
    expect(badSecret.status).toBe(401);
    expectAadError(badSecret.body, "invalid_client", 7000215);
    expectAadError(
      (await postToken({ ...base, code, client_id: "nobody" })).body,
      "unauthorized_client",
      700016,
    );
    await admin(sandbox.url, "clock", { advanceMs: 11 * 60_000 });
    expectAadError(
      (await postToken({ ...base, code, code_verifier: verifier })).body,
      "invalid_grant",
      70008,
    );
  });

  it("revoked, idle and consent-less refresh tokens are invalid_grant with the right AADSTS codes", async () => {
    const location = await authorizeCode({ login_hint: "alex@contoso.com" });
    const tokens = await postToken({ ...base, code: location.searchParams.get("code") ?? "" });
    const refresh = String(tokens.body.refresh_token);
    const grantsIssued = async () =>
      (
        (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
          tokenGrants: { refresh_token: number };
        }
      ).tokenGrants.refresh_token;
    const grantsBefore = await grantsIssued();
    const refreshWith = (extra: Record<string, string> = {}) =>
      postToken({
        grant_type: "refresh_token",
        client_id: WEB_APP.clientId,
        client_secret: WEB_APP.clientSecret,
        refresh_token: refresh,
        ...extra,
      });
    const consent = await refreshWith({ scope: "https://graph.microsoft.com/Mail.Read" });
    expectAadError(consent.body, "invalid_grant", 65001);
    expect(consent.body.suberror).toBe("consent_required");
    const rotated = await refreshWith();
    expect(rotated.status).toBe(200);
    // The admin state counts the refresh grants that issued tokens: the refused one above is not among them.
    expect(await grantsIssued()).toBe(grantsBefore + 1);
    await admin(sandbox.url, "clock", { advanceMs: 91 * 86_400_000 });
    expectAadError((await refreshWith()).body, "invalid_grant", 700082);
    const fresh = await postToken({
      grant_type: "refresh_token",
      client_id: WEB_APP.clientId,
      client_secret: WEB_APP.clientSecret,
      refresh_token: String(rotated.body.refresh_token),
    });
    expectAadError(fresh.body, "invalid_grant", 700082);
    const second = await postToken({
      ...base,
      code: (await authorizeCode({ login_hint: "alex@contoso.com" })).searchParams.get("code") ?? "",
    });
    await admin(sandbox.url, "tokens/revoke", { account: "alex@contoso.com" });
    const revoked = await postToken({
      grant_type: "refresh_token",
      client_id: WEB_APP.clientId,
      client_secret: WEB_APP.clientSecret,
      refresh_token: String(second.body.refresh_token),
    });
    expectAadError(revoked.body, "invalid_grant", 50173);
    const graph = await fetch(`${sandbox.url}/v1.0/me`, {
      headers: { authorization: `Bearer ${String(second.body.access_token)}` },
    });
    expect(graph.status).toBe(401);
  });

  it("client_credentials needs a concrete tenant and /.default, then reaches /users but not /me", async () => {
    const common = await postToken({
      grant_type: "client_credentials",
      client_id: WEB_APP.clientId,
      client_secret: WEB_APP.clientSecret,
      scope: "https://graph.microsoft.com/.default",
    });
    expectAadError(common.body, "invalid_request", 50059);
    const noDefault = await postToken(
      {
        grant_type: "client_credentials",
        client_id: WEB_APP.clientId,
        client_secret: WEB_APP.clientSecret,
        scope: "Calendars.Read",
      },
      "contoso.com",
    );
    expectAadError(noDefault.body, "invalid_scope", 1002012);
    const app = await postToken(
      {
        grant_type: "client_credentials",
        client_id: WEB_APP.clientId,
        client_secret: WEB_APP.clientSecret,
        scope: "https://graph.microsoft.com/.default",
      },
      "contoso.com",
    );
    expect(app.status).toBe(200);
    expect(app.body.refresh_token).toBeUndefined();
    expect(app.body.id_token).toBeUndefined();
    const headers = { authorization: `Bearer ${String(app.body.access_token)}` };
    expect((await fetch(`${sandbox.url}/v1.0/users/megan@contoso.com/calendars`, { headers })).status).toBe(
      200,
    );
    const me = await fetch(`${sandbox.url}/v1.0/me`, { headers });
    expect(me.status).toBe(400);
    expect(((await me.json()) as { error: Json }).error.message).toBe(
      "/me request is only valid with delegated authentication flow.",
    );
  });
});
