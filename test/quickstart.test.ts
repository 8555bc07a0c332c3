import { execFile } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { cliPath as cli, serviceEnvironment, startService } from "./support/service-process.ts";

const run = promisify(execFile);

/** The README's quick start, end to end: the real CLI, the real embedded store, real HTTP. */
describe("quick start (embedded store)", () => {
  const { dataDir, env } = serviceEnvironment("calbridge-quickstart-");
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("serves docs and health, creates a tenant key, and accepts a host and schedule with it", async () => {
    const service = await startService({ env, dataDir });
    const { url } = service;
    try {
      expect(statSync(join(dataDir, "encryption-keys")).mode & 0o777).toBe(0o600);
      expect(service.output()).toContain("generated an encryption key");

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
      expect(service.output()).not.toContain(created.apiKey); // keys never reach the log

      expect(await service.stop()).toBe(0);
      expect(service.output()).toContain("Calbridge stopped");
      expect(existsSync(join(dataDir, "admin.json"))).toBe(false);
      expect(existsSync(join(dataDir, "calbridge.lock"))).toBe(false);
    } finally {
      if (service.child.exitCode === null) service.child.kill("SIGKILL");
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
