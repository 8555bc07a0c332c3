import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MicrosoftSandbox, startMicrosoftSandbox } from "./server.ts";

const run = promisify(execFile);
let dir: string;
let sandbox: MicrosoftSandbox;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ms-sandbox-tls-"));
  // A throwaway self-signed certificate for 127.0.0.1 (see docs/sandbox-microsoft.md).
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-keyout",
    join(dir, "key.pem"),
    "-out",
    join(dir, "cert.pem"),
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ]);
  sandbox = await startMicrosoftSandbox({
    autoApprove: true,
    https: { key: await readFile(join(dir, "key.pem")), cert: await readFile(join(dir, "cert.pem")) },
  });
});

afterAll(async () => {
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("official @microsoft/microsoft-graph-client over https", () => {
  it("signs in, reads, creates, retries a 429, pages calendarView and surfaces Graph error codes", async () => {
    expect(sandbox.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", new URL("./graph-client-probe.ts", import.meta.url).pathname, sandbox.url],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, "cert.pem") }, timeout: 60_000 },
    );
    const result = JSON.parse(stdout) as {
      upn: string;
      createdSubject: string;
      count: number;
      notFound: string;
    };
    expect(result.upn).toBe("adele@contoso.com");
    expect(result.createdSubject).toBe("From the official SDK");
    // Two weeks of the seeded calendar: 10 stand-ups, 2 team syncs and 4 single events, on two pages.
    expect(result.count).toBe(16);
    expect(result.notFound).toBe("ErrorItemNotFound");
    expect(sandbox.state.throttleQueue).toHaveLength(0);
  });
});
