import { auth, calendar, type calendar_v3 } from "@googleapis/calendar";
import { loginForTests, SANDBOX_CLIENT } from "./test-login.ts";

/**
 * Test support: the official `@googleapis/calendar` client pointed at the sandbox with `rootUrl`,
 * authenticated by an OAuth2 client (the one bundled with it) holding tokens from the sandbox's own
 * OAuth flow. Retries are off unless asked for, so fault tests see each injected failure.
 */
export async function calendarClientFor(params: {
  url: string;
  account: string;
  retry?: boolean;
}): Promise<calendar_v3.Calendar> {
  const { accessToken, refreshToken } = await loginForTests(params);
  const client = new auth.OAuth2({
    clientId: SANDBOX_CLIENT.clientId,
    clientSecret: SANDBOX_CLIENT.clientSecret,
    endpoints: { oauth2TokenUrl: `${params.url}/token` },
  });
  client.setCredentials({
    access_token: accessToken,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
  });
  return calendar({ version: "v3", rootUrl: `${params.url}/`, auth: client, retry: params.retry ?? false });
}

export interface GoogleFailure {
  status: number;
  reason: string | undefined;
  body: { error?: { code?: number; message?: string; status?: string; errors?: Array<{ reason?: string }> } };
  headers: Record<string, string>;
}

/** Awaits a call that must fail and returns Google's error as the client saw it. */
export async function googleFailure(call: Promise<unknown>): Promise<GoogleFailure> {
  try {
    await call;
  } catch (error) {
    const response = (
      error as { response?: { status: number; data: GoogleFailure["body"]; headers: unknown } }
    ).response;
    if (!response) throw error;
    const headers =
      response.headers instanceof Headers
        ? Object.fromEntries(response.headers.entries())
        : (response.headers as Record<string, string>);
    return {
      status: response.status,
      reason: response.data.error?.errors?.[0]?.reason,
      body: response.data,
      headers,
    };
  }
  throw new Error("expected the call to fail");
}
