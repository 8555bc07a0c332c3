import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { backends, createScratchDatabase } from "./support/test-stores.ts";

/**
 * Replicas of a deployment start together (a rollout, a compose `up` with `scale: 3`). On an empty database they
 * race to create the tables and the job engine's schema; every one of them must come up.
 */
describe.runIf(backends.includes("postgres"))(
  "several processes starting at once on an empty database",
  () => {
    const children: ChildProcess[] = [];
    const dataDirs: string[] = [];
    let dropDatabase: (() => Promise<void>) | undefined;

    afterAll(async () => {
      await Promise.all(children.map((child) => stopChild(child)));
      await dropDatabase?.();
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    });

    it("all three come up (migrations and the job schema are created once, under one lock)", async () => {
      const scratch = await createScratchDatabase();
      dropDatabase = scratch.drop;
      const encryptionKeys = generateKeySpec("k1");
      const outcomes = await Promise.all(
        [0, 1, 2].map((n) => {
          const dataDir = mkdtempSync(join(tmpdir(), `calbridge-start-${n}-`));
          dataDirs.push(dataDir);
          const env = {
            PORT: "0",
            DATA_DIR: dataDir,
            DATABASE_URL: scratch.url,
            ENCRYPTION_KEYS: encryptionKeys,
            SANDBOX: "off",
            LOG_LEVEL: "warn",
          };
          const child = spawn(
            process.execPath,
            ["--import", "tsx", "test/support/service-child.ts", JSON.stringify(env), "0"],
            { stdio: ["ignore", "pipe", "pipe"] },
          );
          children.push(child);
          return readiness(child);
        }),
      );
      expect(outcomes).toEqual(["ready", "ready", "ready"]);
    });
  },
);

/** "ready" once the child says so, or what it printed before it died. */
function readiness(child: ChildProcess): Promise<string> {
  let output = "";
  return new Promise((resolve) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk;
      if (output.includes("ready\n")) resolve("ready");
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk;
    });
    child.once("exit", (code) => resolve(`exited with ${code}: ${output.slice(-2000)}`));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
