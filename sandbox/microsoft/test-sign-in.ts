import { createHash, randomBytes } from "node:crypto";

/**
 * Test support: signs a seeded account in through the sandbox's real OAuth endpoints (auto-approve
 * mode) with PKCE, exactly as a client would, and gives back a small Graph fetch wrapper.
 */
export const WEB_APP = {
  clientId: "11111111-2222-4333-8444-555555555555",
  clientSecret: "sandbox-secret",
  redirectUri: "http://localhost:3000/auth/microsoft/callback",
};
export const CONTOSO_TENANT = "6e1b2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
export const DEFAULT_SCOPE =
  "openid profile email offline_access User.Read Calendars.ReadWrite MailboxSettings.Read Place.Read.All";

export interface TokenSet {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  scope: string;
  expires_in: number;
}

export async function signIn(params: {
  url: string;
  account: string;
  scope?: string;
  tenant?: string;
}): Promise<TokenSet> {
  const verifier = randomBytes(32).toString("base64url");
  const authorize = new URL(`${params.url}/${params.tenant ?? "common"}/oauth2/v2.0/authorize`);
  authorize.search = new URLSearchParams({
    client_id: WEB_APP.clientId,
    response_type: "code",
    redirect_uri: WEB_APP.redirectUri,
    scope: params.scope ?? DEFAULT_SCOPE,
    state: "s1",
    login_hint: params.account,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }).toString();
  const redirect = await fetch(authorize, { redirect: "manual" });
  const location = new URL(redirect.headers.get("location") ?? "");
  const code = location.searchParams.get("code");
  if (!code) throw new Error(`no code: ${location.href}`);
  const response = await fetch(`${params.url}/${params.tenant ?? "common"}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: WEB_APP.clientId,
      client_secret: WEB_APP.clientSecret,
      code,
      redirect_uri: WEB_APP.redirectUri,
      code_verifier: verifier,
    }),
  });
  if (!response.ok) throw new Error(`token: ${response.status} ${await response.text()}`);
  return (await response.json()) as TokenSet;
}
