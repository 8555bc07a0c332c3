import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * How CLI commands reach a running embedded service: the service writes its URL and a random admin token into
 * DATA_DIR (mode 0600) while it runs, and removes the file when it stops.
 */
const fileName = "admin.json";

export function newAdminToken(): string {
  return randomBytes(32).toString("base64url");
}

export function publishAdminHandoff(dataDir: string, params: { url: string; token: string }): () => void {
  const path = join(dataDir, fileName);
  writeFileSync(path, JSON.stringify({ pid: process.pid, url: params.url, token: params.token }), {
    mode: 0o600,
  });
  return () => rmSync(path, { force: true });
}

export function readAdminHandoff(dataDir: string): { url: string; token: string } | undefined {
  const path = join(dataDir, fileName);
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, "utf8")) as { url?: string; token?: string };
  return parsed.url && parsed.token ? { url: parsed.url, token: parsed.token } : undefined;
}
