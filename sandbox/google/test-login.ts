/**
 * Test support: the auto-approve OAuth dance over real HTTP with plain fetch, so API tests can get a
 * bearer token for a seeded account in two requests. The redirect is not followed (nothing listens on
 * the loopback callback); the code is read from its Location header.
 */

export const SANDBOX_CLIENT = {
  clientId: "calbridge-sandbox.apps.googleusercontent.com",
  clientSecret: "GOCSPX-sandbox-client-secret",
  redirectUri: "http://127.0.0.1:9/callback",
} as const;

export const CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar";

export async function authorizeRedirect(params: {
  url: string;
  account?: string;
  scopes?: string[];
  extra?: Record<string, string>;
}): Promise<URL> {
  const query = new URLSearchParams({
    client_id: SANDBOX_CLIENT.clientId,
    redirect_uri: SANDBOX_CLIENT.redirectUri,
    response_type: "code",
    scope: (params.scopes ?? ["openid", "email", CALENDAR_SCOPE]).join(" "),
    access_type: "offline",
    prompt: "consent",
    ...(params.account ? { login_hint: params.account } : {}),
    ...params.extra,
  });
  const response = await fetch(`${params.url}/o/oauth2/v2/auth?${query}`, { redirect: "manual" });
  const location = response.headers.get("location");
  if (response.status !== 302 || !location) throw new Error(`authorize answered ${response.status}`);
  return new URL(location);
}

export async function loginForTests(params: { url: string; account: string; scopes?: string[] }): Promise<{
  accessToken: string;
  refreshToken?: string;
}> {
  const redirect = await authorizeRedirect(params);
  const code = redirect.searchParams.get("code");
  if (!code) throw new Error(`no code in ${redirect}`);
  const response = await fetch(`${params.url}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: SANDBOX_CLIENT.redirectUri,
      client_id: SANDBOX_CLIENT.clientId,
      client_secret: SANDBOX_CLIENT.clientSecret,
    }),
  });
  const body = (await response.json()) as { access_token: string; refresh_token?: string };
  return {
    accessToken: body.access_token,
    ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}),
  };
}
