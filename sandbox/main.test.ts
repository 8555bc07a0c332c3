import { createServer, type Server } from "node:net";
import { auth, calendar } from "@googleapis/calendar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginForTests } from "./google/test-login.ts";
import { describeSandboxPair, type SandboxPair, startSandboxPair } from "./main.ts";
import { signIn } from "./microsoft/test-sign-in.ts";

// The ready line is a contract: every URL, client and account it advertises must work as advertised.

async function json(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function listen(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

const portOf = (server: Server) => (server.address() as { port: number }).port;
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe("sandbox/main: both emulators and their ready line", () => {
  let pair: SandboxPair;
  let ready: ReturnType<typeof describeSandboxPair>;

  beforeAll(async () => {
    pair = await startSandboxPair({
      host: "127.0.0.1",
      ports: { microsoft: 0, google: 0 },
      autoApprove: true,
    });
    ready = describeSandboxPair(pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  it("is one line of JSON that survives a round trip", () => {
    const line = JSON.stringify(ready);
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual(ready);
    expect(ready.ready).toBe(true);
  });

  // Each provider: the discovery document must name exactly the URLs the ready line advertises.
  const oidcCases = [
    {
      provider: "microsoft",
      section: () => ready.microsoft,
      expected: () => ({
        authorization_endpoint: ready.microsoft.authorizeUrl,
        token_endpoint: ready.microsoft.tokenUrl,
        jwks_uri: ready.microsoft.jwksUrl,
      }),
    },
    {
      provider: "google",
      section: () => ready.google,
      expected: () => ({
        issuer: ready.google.issuer,
        authorization_endpoint: ready.google.authUrl,
        token_endpoint: ready.google.tokenUrl,
        userinfo_endpoint: ready.google.userinfoUrl,
        revocation_endpoint: ready.google.revokeUrl,
        jwks_uri: ready.google.jwksUrl,
      }),
    },
  ];
  it.each(oidcCases)(
    "advertises the $provider endpoints its OIDC discovery document names",
    async (testCase) => {
      const section = testCase.section();
      const discovery = await json(section.discoveryUrl);
      expect(discovery.status).toBe(200);
      expect(discovery.body).toMatchObject(testCase.expected());
      const jwks = await json(section.jwksUrl);
      expect((jwks.body.keys as unknown[]).length).toBeGreaterThan(0);
      expect((await json(`${section.admin}/state`)).status).toBe(200);
    },
  );

  it("signs in every advertised Microsoft account, work and personal, to its own mailbox", async () => {
    expect(new Set(ready.microsoft.accounts.map((account) => account.kind))).toEqual(
      new Set(["work", "personal"]),
    );
    for (const account of ready.microsoft.accounts) {
      const tokens = await signIn({ url: ready.microsoft.url, account: account.email });
      const me = await json(`${ready.microsoft.graph}/me`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      });
      expect(me.body.userPrincipalName).toBe(account.email);
    }
  });

  it("gives an app token for an advertised tenant with the advertised web client's secret (client_credentials)", async () => {
    const web = ready.microsoft.clients.find((client) => client.kind === "web");
    const [tenant] = ready.microsoft.tenants;
    if (!web?.clientSecret || !tenant) throw new Error("ready line lacks a web client or a tenant");
    const token = await json(`${ready.microsoft.url}/${tenant.id}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: web.clientId,
        client_secret: web.clientSecret,
        scope: "https://graph.microsoft.com/.default",
      }),
    });
    expect(token.status).toBe(200);
    expect(typeof token.body.access_token).toBe("string");
  });

  it("serves the official @googleapis/calendar client at the advertised rootUrl", async () => {
    const [client] = ready.google.clients;
    const workspace = ready.google.accounts.find((account) => account.kind === "workspace");
    if (!client?.clientSecret || !workspace)
      throw new Error("ready line lacks a Google client or Workspace account");
    const { accessToken } = await loginForTests({ url: ready.google.url, account: workspace.email });
    const oauth = new auth.OAuth2({ clientId: client.clientId, clientSecret: client.clientSecret });
    oauth.setCredentials({ access_token: accessToken });
    const api = calendar({ version: "v3", rootUrl: ready.google.rootUrl, auth: oauth, retry: false });
    const list = await api.calendarList.list();
    expect(list.data.items?.map((item) => item.id)).toContain(workspace.email);
    const room = ready.google.rooms[0];
    if (!room) throw new Error("no rooms advertised");
    const busy = await api.freebusy.query({
      requestBody: {
        timeMin: "2030-01-07T00:00:00Z",
        timeMax: "2030-01-08T00:00:00Z",
        items: [{ id: room.email }],
      },
    });
    expect(busy.data.calendars?.[room.email]?.errors).toBeUndefined();
  });
});

describe("startSandboxPair failures", () => {
  let blocker: Server;
  beforeAll(async () => {
    blocker = await listen(0);
  });
  afterAll(async () => {
    await close(blocker);
  });

  it("closes the Microsoft emulator again when the Google one cannot start", async () => {
    const probe = await listen(0);
    const microsoftPort = portOf(probe);
    await close(probe);
    await expect(
      startSandboxPair({
        host: "127.0.0.1",
        ports: { microsoft: microsoftPort, google: portOf(blocker) },
        autoApprove: false,
      }),
    ).rejects.toThrow(/EADDRINUSE/);
    // The port the Microsoft emulator held is free again.
    await close(await listen(microsoftPort));
  });
});
