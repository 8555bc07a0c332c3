import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname;
const cli = join(root, "bin/calbridge.js");

/** The README's quick start, end to end: the real CLI, the real embedded store, real HTTP. */
describe("quick start (embedded store)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "calbridge-quickstart-"));
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: "0",
    LOG_LEVEL: "info",
    SANDBOX: "off",
    DATABASE_URL: "",
  };
  delete (env as Record<string, string | undefined>).ENCRYPTION_KEYS;
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("serves docs and health, creates a tenant key, and accepts a host and schedule with it", async () => {
    const service = spawn(process.execPath, [cli, "serve"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    service.stdout.on("data", (chunk) => {
      output += chunk;
    });
    service.stderr.on("data", (chunk) => {
      output += chunk;
    });
    try {
      const deadline = Date.now() + 90_000;
      while (!existsSync(join(dataDir, "admin.json"))) {
        if (Date.now() > deadline || service.exitCode !== null)
          throw new Error(`service did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const { url } = JSON.parse(readFileSync(join(dataDir, "admin.json"), "utf8")) as { url: string };
      expect(statSync(join(dataDir, "encryption-keys")).mode & 0o777).toBe(0o600);
      expect(output).toContain("generated an encryption key");

      expect(((await (await fetch(`${url}/healthz`)).json()) as { status: string }).status).toBe("ok");
      const docs = await fetch(`${url}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain("swagger");

      // The service owns the folder; the CLI hands the request to it.
      const { stdout } = await run(
        process.execPath,
        [cli, "tenant", "create", "Wedding Suppliers", "--json"],
        { env },
      );
      const created = JSON.parse(stdout) as { tenant: { slug: string }; apiKey: string };
      expect(created.tenant.slug).toBe("wedding-suppliers");
      const auth = { authorization: `Bearer ${created.apiKey}`, "content-type": "application/json" };

      const host = (await (
        await fetch(`${url}/v1/hosts`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ name: "Florist Flo", timeZone: "Europe/Amsterdam" }),
        })
      ).json()) as { id: string };
      const schedule = await fetch(`${url}/v1/hosts/${host.id}/schedules`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ timeZone: "Europe/Amsterdam", weekly: { sat: [["10:00", "18:00"]] } }),
      });
      expect(schedule.status).toBe(201);
      const listed = (await (
        await fetch(`${url}/v1/hosts/${host.id}/schedules`, { headers: auth })
      ).json()) as {
        data: Array<{ weekly: unknown }>;
      };
      expect(listed.data[0]?.weekly).toEqual({ sat: [["10:00", "18:00"]] });
      expect(output).not.toContain(created.apiKey); // keys never reach the log

      service.kill("SIGTERM");
      const [code] = await once(service, "exit");
      expect(code).toBe(0);
      expect(output).toContain("Calbridge stopped");
      expect(existsSync(join(dataDir, "admin.json"))).toBe(false);
      expect(existsSync(join(dataDir, "calbridge.lock"))).toBe(false);
    } finally {
      if (service.exitCode === null) service.kill("SIGKILL");
    }

    // With the service stopped, the CLI opens the folder itself.
    const { stdout } = await run(process.execPath, [cli, "tenant", "create", "Second App"], { env });
    expect(stdout).toMatch(/API key \(shown once, store it now\):\ncbk_/);
  });

  it("prints a one-line error for bad configuration", async () => {
    const failure = await run(process.execPath, [cli, "migrate"], {
      env: { ...env, LOG_LEVEL: "loud" },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr.trim()).toMatch(
      /^calbridge: invalid configuration: LOG_LEVEL: /,
    );
    expect((failure as { stderr: string }).stderr.trim().split("\n")).toHaveLength(1);
  });
});
