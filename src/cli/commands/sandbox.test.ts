import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdPort } from "../../../test/support/held-port.ts";
import { type RunningCli, runCli } from "../../../test/support/run-cli.ts";

/** Resolves once the banner's last line is out; fails with the output if the command exits first. */
async function bannerOf(cli: RunningCli): Promise<string> {
  while (!cli.stdout().includes("Press Ctrl-C to stop.")) {
    const exited = await Promise.race([
      cli.exit.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 100)),
    ]);
    if (exited) throw new Error(`calbridge sandbox exited early:\n${cli.stdout()}\n${cli.stderr()}`);
  }
  return cli.stdout();
}

function urlAfter(banner: string, label: string): string {
  const match = new RegExp(`${label}\\s+(http://\\S+)`).exec(banner);
  if (!match?.[1]) throw new Error(`no ${label} URL in banner:\n${banner}`);
  return match[1];
}

async function status(url: string): Promise<number | "closed"> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return "closed";
  }
}

/** Poll: a child that notices its parent's death needs a moment to close its listeners. */
async function eventuallyClosed(url: string): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await status(url)) === "closed") return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

// Each case starts the whole CLI (and the emulators' process) through tsx: slow on a busy 2-core machine.
const CLI_TIMEOUT_MS = 120_000;

describe("calbridge sandbox", () => {
  // A port someone else holds, for the port-in-use case.
  let held: Awaited<ReturnType<typeof holdPort>>;
  beforeAll(async () => {
    held = await holdPort();
  });
  afterAll(() => held.release());

  it(
    "prints the Sandbox banner with URLs, demo credentials and accounts, serves, and exits 0 on SIGTERM",
    async () => {
      const cli = runCli(["sandbox", "--port-microsoft", "0", "--port-google", "0", "--auto-approve"]);
      const banner = await bannerOf(cli);
      expect(banner).toMatch(/^Sandbox: /);
      expect(banner).toContain("auto-approve is ON");
      expect(banner).toMatch(/Sandbox · Microsoft 365 {3}http:\/\/127\.0\.0\.1:\d+/);
      expect(banner).toMatch(/Sandbox · Google Calendar {3}http:\/\/127\.0\.0\.1:\d+/);
      expect(banner).toContain("11111111-2222-4333-8444-555555555555  secret sandbox-secret");
      expect(banner).toContain(
        "calbridge-sandbox.apps.googleusercontent.com  secret GOCSPX-sandbox-client-secret",
      );
      expect(banner).toContain("adele@contoso.com  Adele Vance (work)");
      expect(banner).toContain("alice.sandbox@gmail.com  Alice Sandbox (personal)");
      const microsoftDiscovery = urlAfter(banner, "discovery");
      const graph = urlAfter(banner, "graph");
      const googleCalendar = urlAfter(banner, "calendar");
      expect(await status(microsoftDiscovery)).toBe(200);
      // Without a token both APIs answer 401 (they are up and enforcing auth).
      expect(await status(`${graph}/me`)).toBe(401);
      expect(await status(`${googleCalendar}/users/me/calendarList`)).toBe(401);

      cli.child.kill("SIGTERM");
      expect(await cli.exit).toEqual({ code: 0, signal: null });
      expect(await status(microsoftDiscovery)).toBe("closed");
      expect(await status(`${googleCalendar}/users/me/calendarList`)).toBe("closed");
      expect(cli.stderr()).toContain(
        "[sandbox microsoft] GET /common/v2.0/.well-known/openid-configuration -> 200",
      );
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "takes the emulators down with it when it is killed outright (SIGKILL)",
    async () => {
      const cli = runCli(["sandbox", "--port-microsoft", "0", "--port-google", "0"]);
      const banner = await bannerOf(cli);
      const microsoftDiscovery = urlAfter(banner, "discovery");
      const googleCalendar = urlAfter(banner, "calendar");
      cli.child.kill("SIGKILL");
      await cli.exit;
      expect(await eventuallyClosed(microsoftDiscovery)).toBe(true);
      expect(await eventuallyClosed(`${googleCalendar}/users/me/calendarList`)).toBe(true);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "names the taken port and the flag that moves it, in one line, and exits 1",
    async () => {
      const cli = runCli(["sandbox", "--port-microsoft", String(held.port), "--port-google", "0"]);
      expect((await cli.exit).code).toBe(1);
      expect(cli.stderr()).toBe(
        `calbridge: port ${held.port} on 127.0.0.1 is already in use (Microsoft 365 emulator): ` +
          `choose another with --port-microsoft <port> (0 picks a free one)\n`,
      );
      expect(cli.stdout()).toBe("");
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "rejects a port that is not a number",
    async () => {
      const cli = runCli(["sandbox", "--port-microsoft", "forty"]);
      expect((await cli.exit).code).toBe(1);
      expect(cli.stderr()).toMatch(/--port-microsoft.*must be a port number/);
    },
    CLI_TIMEOUT_MS,
  );
});
