import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdPort } from "../../../test/support/held-port.ts";
import { runCli } from "../../../test/support/run-cli.ts";
import { parseConfig } from "../../config.ts";
import { SandboxPortInUseError } from "../../providers/sandbox-process.ts";
import { explainStartFailure } from "./serve.ts";

const messageOf = (error: unknown) => (error as Error).message;

describe("calbridge serve start-up failures", () => {
  let held: Awaited<ReturnType<typeof holdPort>>;
  let dataDir: string;
  beforeAll(async () => {
    held = await holdPort();
    dataDir = mkdtempSync(join(tmpdir(), "calbridge-serve-"));
  });
  afterAll(async () => {
    await held.release();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("names the taken port and PORT in one line, and exits 1", async () => {
    // The embedded store in a fresh folder, whatever the environment running the tests points at.
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    const env = {
      ...inherited,
      PORT: String(held.port),
      HOST: "127.0.0.1",
      SANDBOX: "off",
      DATA_DIR: dataDir,
    };
    const cli = runCli(["serve"], { env });
    expect((await cli.exit).code).toBe(1);
    expect(cli.stderr()).toBe(
      `calbridge: port ${held.port} on 127.0.0.1 is already in use: set PORT to a free port (or stop what holds it)\n`,
    );
  }, 120_000);

  it("words the other settings' failures the same way", () => {
    const config = parseConfig({ PORT: "80", HOST: "192.0.2.1" });
    const listenError = (code: string) =>
      Object.assign(new Error(`listen ${code}`), { code, syscall: "listen" });
    expect(messageOf(explainStartFailure(listenError("EACCES"), config))).toBe(
      "port 80 on 192.0.2.1 needs privileges this process lacks: set PORT to 1024 or above",
    );
    expect(messageOf(explainStartFailure(listenError("EADDRNOTAVAIL"), config))).toBe(
      "192.0.2.1 is not an address of this machine: set HOST (0.0.0.0 listens on all)",
    );
    expect(
      messageOf(explainStartFailure(new SandboxPortInUseError("google", "127.0.0.1", 4020), config)),
    ).toBe(
      "port 4020 on 127.0.0.1 is already in use (Google Calendar emulator): free it, or set SANDBOX=off (or auto) " +
        "to start without the emulators",
    );
    const other = new Error("database is locked");
    expect(explainStartFailure(other, config)).toBe(other);
  });
});
