import { afterAll, beforeAll } from "vitest";
import { type MicrosoftSandbox, type MicrosoftSandboxOptions, startMicrosoftSandbox } from "./server.ts";
import { signIn } from "./test-sign-in.ts";

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
