import type { calendar_v3 } from "@googleapis/calendar";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { type GoogleSandbox, type GoogleSandboxOptions, startGoogleSandbox } from "./server.ts";
import { calendarClientFor } from "./test-calendar-client.ts";

/**
 * Test support: one auto-approving sandbox per test file (started in beforeAll, closed in afterAll),
 * reset before each test unless told otherwise, with signed-in `@googleapis/calendar` clients for the
 * accounts a file names. The admin helper posts JSON to `/_sandbox/<path>`.
 */
export interface SandboxFixture {
  readonly url: string;
  readonly sandbox: GoogleSandbox;
  /** The calendar client of a listed account, signed in afresh for each test. */
  client(account: string): calendar_v3.Calendar;
  admin(path: string, body?: unknown): Promise<Response>;
}

export function useGoogleSandbox(
  params: { accounts?: string[]; reset?: "each-test" | "never"; options?: GoogleSandboxOptions } = {},
): SandboxFixture {
  let sandbox: GoogleSandbox | undefined;
  const clients = new Map<string, calendar_v3.Calendar>();
  const started = (): GoogleSandbox => {
    if (!sandbox) throw new Error("sandbox not started yet");
    return sandbox;
  };
  const fixture: SandboxFixture = {
    get url() {
      return started().url;
    },
    get sandbox() {
      return started();
    },
    client: (account) => {
      const client = clients.get(account);
      if (!client) throw new Error(`no client for ${account}; list it in useGoogleSandbox({ accounts })`);
      return client;
    },
    admin: (path, body) =>
      fetch(`${started().url}/_sandbox/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body ?? {}),
      }),
  };
  const signIn = async (): Promise<void> => {
    for (const account of params.accounts ?? []) {
      clients.set(account, await calendarClientFor({ url: started().url, account }));
    }
  };
  beforeAll(async () => {
    sandbox = await startGoogleSandbox({ autoApprove: true, ...params.options });
    if (params.reset === "never") await signIn();
  });
  afterAll(async () => sandbox?.close());
  if (params.reset !== "never") {
    beforeEach(async () => {
      await fixture.admin("reset");
      await signIn();
    });
  }
  return fixture;
}
