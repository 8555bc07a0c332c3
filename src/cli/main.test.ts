import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test/support/run-cli.ts";

describe("calbridge", () => {
  it("prints package.json's version with --version and -v", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    for (const flag of ["--version", "-v"]) {
      const cli = runCli([flag]);
      expect(await cli.exit).toEqual({ code: 0, signal: null });
      expect(cli.stdout()).toBe(`${version}\n`);
    }
  }, 60_000);
});
