import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { type MicrosoftSandbox, type MicrosoftSandboxOptions, startMicrosoftSandbox } from "./server.ts";

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

export type Json = Record<string, unknown>;

export interface GraphResponse {
  status: number;
  headers: Headers;
  body: Json;
}

/** The `value` array of a collection response. */
export function valuesOf(response: GraphResponse): Json[] {
  return (response.body.value ?? []) as Json[];
}

/** A nested field, e.g. field(event, "start", "dateTime"). */
export function field(item: unknown, ...path: string[]): unknown {
  let current = item;
  for (const key of path) current = (current as Json | undefined)?.[key];
  return current;
}

/** A tiny Graph client: relative paths go under /v1.0, absolute URLs (nextLink) are used as they are. */
export function graphClient(url: string, token: string) {
  return async (
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<GraphResponse> => {
    const target = path.startsWith("http") ? path : `${url}/v1.0${path}`;
    const response = await fetch(target, {
      method: init.method ?? "GET",
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body === undefined ? {} : { "content-type": "application/json" }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? (JSON.parse(text) as Json) : {},
    };
  };
}

export async function admin(url: string, path: string, body: unknown = {}): Promise<unknown> {
  const response = await fetch(`${url}/_sandbox/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`admin ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

export type GraphFetch = ReturnType<typeof graphClient>;

export interface SandboxFixture {
  sandbox: MicrosoftSandbox;
  /** A Graph client signed in as the account (auth code + PKCE through the sandbox). */
  as(account: string): GraphFetch;
  /** Signs the account in again (after a revoke or a clock jump). */
  signInAgain(account: string): Promise<void>;
}

/** Starts a sandbox for one test file and signs the given accounts in. */
export function withSandbox(params: {
  accounts: string[];
  options?: MicrosoftSandboxOptions;
}): SandboxFixture {
  const clients = new Map<string, GraphFetch>();
  const fixture: SandboxFixture = {
    sandbox: undefined as unknown as MicrosoftSandbox,
    as: (account) => {
      const client = clients.get(account);
      if (!client) throw new Error(`${account} is not signed in`);
      return client;
    },
    signInAgain: async (account) => {
      const tokens = await signIn({ url: fixture.sandbox.url, account });
      clients.set(account, graphClient(fixture.sandbox.url, tokens.access_token));
    },
  };
  beforeAll(async () => {
    fixture.sandbox = await startMicrosoftSandbox({ autoApprove: true, ...params.options });
    for (const account of params.accounts) await fixture.signInAgain(account);
  });
  afterAll(() => fixture.sandbox.close());
  return fixture;
}

/** The first entry of a notification POST body (`{"value":[...]}`). */
export function firstNotification(body: Json | undefined): Json {
  return ((body?.value as Json[] | undefined) ?? [])[0] ?? {};
}
