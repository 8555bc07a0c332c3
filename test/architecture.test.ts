import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === "fixtures" ? [] : sourceFiles(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

describe("architecture", () => {
  it("reads process.env only in src/config.ts", () => {
    const offenders = sourceFiles(join(root, "src"))
      .filter((file) => /process\.env/.test(readFileSync(file, "utf8")))
      .map((file) => relative(root, file));
    expect(offenders).toEqual(["src/config.ts"]);
  });

  it("passes the dependency rules (pure core, no sandbox imports from product code)", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs"),
        "src",
        "--config",
        ".dependency-cruiser.cjs",
        "--output-type",
        "err",
      ],
      { cwd: root },
    ).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    expect(stdout).toMatch(/no dependency violations found/);
  });

  it("the dependency rules catch a core file importing I/O or the sandbox", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs"),
        "test/fixtures/architecture",
        "--config",
        "test/fixtures/architecture/.dependency-cruiser-probe.cjs",
        "--output-type",
        "err",
      ],
      { cwd: root },
    ).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    expect(stdout).toMatch(/core-no-io-modules/);
    expect(stdout).toMatch(/product-never-imports-sandbox/);
  });
});
