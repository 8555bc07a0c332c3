import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { findFreePort, repositoryRoot, serviceEnvironment, startService } from "./support/service-process.ts";

const run = promisify(execFile);

/**
 * The README's runnable examples: every ```sh block right after a `<!-- readme-test -->` comment, in order, as one
 * bash script (later blocks use the variables of earlier ones). The README speaks of http://localhost:3000; the
 * script runs against a fresh service on a free port instead, which is the only change made to it.
 */
function readmeScript(): { blocks: string[]; script: string } {
  const readme = readFileSync(join(repositoryRoot, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/<!-- readme-test -->\n```sh\n([\s\S]*?)\n```/g)].map(
    (match) => match[1]!,
  );
  const script = blocks.map((block, index) => `echo "@@ README block ${index + 1}" >&2\n${block}`).join("\n");
  return { blocks, script };
}

describe("README examples", () => {
  const { dataDir, env } = serviceEnvironment("calbridge-readme-");
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("run as written in bash against a fresh service, and book", async () => {
    const { blocks, script } = readmeScript();
    // Tenant key, host and schedule, event type with slots and a booking, attendee links.
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    expect(script).toContain("/bookings");
    // The attendee links carry PUBLIC_URL, by default http://localhost:$PORT: the port must be a real one.
    env.PORT = String(await findFreePort());
    const service = await startService({ env, dataDir });
    try {
      const full = [
        // Any failing command stops the script: curl runs with --fail-with-body, pipelines fail with their parts.
        "set -euo pipefail",
        script.replaceAll("http://localhost:3000", `http://localhost:${env.PORT}`),
        // For the checks below, not part of the README.
        'echo; echo "@@KEY=$KEY"',
      ].join("\n");
      const result = await run("bash", ["-c", full], { env, cwd: repositoryRoot, timeout: 120_000 }).catch(
        (error: { code: number; stdout: string; stderr: string }) => {
          throw new Error(
            `README script failed (exit ${error.code}):\n${error.stderr}\n${error.stdout}\n${service.output()}`,
          );
        },
      );
      expect(result.stderr).toContain(`@@ README block ${blocks.length}`);

      const key = /^@@KEY=(cbk_\S+)$/m.exec(result.stdout)?.[1];
      expect(key).toBeDefined();
      const listed = (await (
        await fetch(`${service.url}/v1/bookings`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as {
        data: Array<{ attendee: { name: string }; status: string; sequence: number; cancelReason: string }>;
      };
      // Booked by Ina, moved once through the reschedule link, then cancelled through the cancel link.
      expect(listed.data).toEqual([
        expect.objectContaining({
          attendee: expect.objectContaining({ name: "Ina" }),
          status: "cancelled",
          cancelReason: "Something came up",
          sequence: 2,
        }),
      ]);
    } finally {
      await service.stop();
    }
  });
});
