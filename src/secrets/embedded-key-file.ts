import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeySpec } from "./key-ring.ts";

/**
 * Embedded mode with no ENCRYPTION_KEYS: a key ring is generated once into DATA_DIR (mode 0600) so that a first
 * `npm start` works with secrets encrypted at rest. Production deployments should set ENCRYPTION_KEYS.
 */
export function loadOrCreateEmbeddedKeys(dataDir: string): { spec: string; created: boolean; path: string } {
  const path = join(dataDir, "encryption-keys");
  if (existsSync(path)) return { spec: readFileSync(path, "utf8").trim(), created: false, path };
  mkdirSync(dataDir, { recursive: true });
  const spec = generateKeySpec(`k${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`);
  writeFileSync(path, `${spec}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  return { spec, created: true, path };
}

/** Adds a new key to the embedded key file (used by `calbridge keys rotate` when ENCRYPTION_KEYS is not set). */
export function appendEmbeddedKey(dataDir: string, keyId: string): string {
  const path = join(dataDir, "encryption-keys");
  const current = readFileSync(path, "utf8").trim();
  const spec = `${current},${generateKeySpec(keyId)}`;
  writeFileSync(path, `${spec}\n`, { mode: 0o600 });
  return spec;
}
