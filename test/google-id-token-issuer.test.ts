import { afterEach, describe, expect, it } from "vitest";
import { type GoogleSandbox, startGoogleSandbox } from "../sandbox/google/server.ts";
import { ALICE } from "../sandbox/google/test-accounts.ts";
import { SANDBOX_CLIENT } from "../sandbox/google/test-login.ts";
import { googleOAuthSettings } from "../src/providers/google/google-oauth.ts";
import { createOAuthClient } from "../src/providers/oauth-client.ts";
import { createProviderHttp } from "../src/providers/provider-http.ts";

/**
 * Google documents an ID token's `iss` as `https://accounts.google.com` or `accounts.google.com`. The sandbox
 * issues either form (its origin, or its bare host); the code exchange over real HTTP accepts both, and still
 * refuses an issuer that is neither (another host).
 */
let sandbox: GoogleSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function exchange(options: { bareIssuer: boolean; issuerHost?: string }) {
  sandbox = await startGoogleSandbox({ port: 0, autoApprove: true, bareIssuer: options.bareIssuer });
  const base = options.issuerHost ? sandbox.url.replace("127.0.0.1", options.issuerHost) : sandbox.url;
  const settings = googleOAuthSettings({
    clientId: SANDBOX_CLIENT.clientId,
    clientSecret: SANDBOX_CLIENT.clientSecret,
    authUrl: `${base}/o/oauth2/v2/auth`,
    tokenUrl: `${sandbox.url}/token`,
    apiUrl: `${sandbox.url}/calendar/v3`,
  });
  const client = createOAuthClient({
    settings,
    http: createProviderHttp({ provider: "google" }),
    now: () => new Date(),
  });
  const codeVerifier = "v".repeat(64);
  const authorize = await client.buildAuthorizationUrl({
    redirectUri: SANDBOX_CLIENT.redirectUri,
    state: "s1",
    codeVerifier,
    loginHint: ALICE,
  });
  const back = await fetch(authorize.replace(base, sandbox.url), { redirect: "manual" });
  const callback = new URL(back.headers.get("location") ?? "");
  expect(callback.searchParams.get("code")).toBeTruthy();
  return client.exchangeCode({ callbackUrl: callback, codeVerifier, expectedState: "s1" });
}

describe("Google ID token issuer", () => {
  it("accepts the URL form", async () => {
    const tokens = await exchange({ bareIssuer: false });
    expect(tokens.ok && tokens.value.idClaims).toMatchObject({ email: ALICE, iss: sandbox!.url });
  });

  it("accepts the bare host form Google also documents, read as the same issuer", async () => {
    const tokens = await exchange({ bareIssuer: true });
    expect(tokens.ok, JSON.stringify(tokens)).toBe(true);
    expect(tokens.ok && tokens.value.idClaims).toMatchObject({ email: ALICE, iss: sandbox!.url });
  });

  it("still refuses an ID token from another issuer", async () => {
    // The service expects localhost:<port>; the sandbox signs for 127.0.0.1:<port> (bare): neither spelling matches.
    const tokens = await exchange({ bareIssuer: true, issuerHost: "localhost" });
    expect(tokens.ok).toBe(false);
  });
});
