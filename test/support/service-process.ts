import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const repositoryRoot = new URL("../..", import.meta.url).pathname;
export const cliPath = join(repositoryRoot, "bin/calbridge.js");

/** The environment of a real service on the embedded store in a fresh folder, on a free port, without sandboxes. */
export function serviceEnvironment(prefix: string): { dataDir: string; env: NodeJS.ProcessEnv } {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: "0",
    LOG_LEVEL: "info",
    SANDBOX: "off",
    DATABASE_URL: "",
  };
  delete env.ENCRYPTION_KEYS;
  return { dataDir, env };
}

/**
 * A port that was free a moment ago, for a service whose links must name it: with PORT=0 the default PUBLIC_URL
 * would say port 0.
 */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

export interface ServiceProcess {
  child: ChildProcessWithoutNullStreams;
  /** Where it listens, from the admin hand-off file it writes once it is ready. */
  url: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `calbridge serve` as a child process (the real CLI) and waits until it is listening. With DATABASE_URL set,
 * give it a fixed PORT (see findFreePort).
 */
export async function startService(params: {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** How long start-up may take (default 90 s; the provider sandboxes add their own start on a loaded machine). */
  startupTimeoutMs?: number;
}): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [cliPath, "serve"], {
    env: params.env,
    stdio: ["ignore", "pipe", "pipe"],
  }) as unknown as ChildProcessWithoutNullStreams;
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const adminFile = join(params.dataDir, "admin.json");
  // On PostgreSQL there is no admin hand-off file (the CLI opens the database itself): the service is ready when
  // it answers on the port it was given.
  const fixedUrl = params.env.DATABASE_URL ? `http://127.0.0.1:${params.env.PORT}` : undefined;
  const ready = async () =>
    fixedUrl
      ? await fetch(`${fixedUrl}/healthz`).then(
          (response) => response.ok,
          () => false,
        )
      : existsSync(adminFile);
  const deadline = Date.now() + (params.startupTimeoutMs ?? 90_000);
  while (!(await ready())) {
    if (Date.now() > deadline || child.exitCode !== null) {
      if (child.exitCode === null) child.kill("SIGKILL");
      throw new Error(`service did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const url = fixedUrl ?? (JSON.parse(readFileSync(adminFile, "utf8")) as { url: string }).url;
  return {
    child,
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const [code] = (await once(child, "exit")) as [number | null];
      return code;
    },
  };
}
