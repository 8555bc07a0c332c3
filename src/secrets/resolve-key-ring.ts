import type { Config } from "../config.ts";
import type { Logger } from "../observability/logger.ts";
import { loadOrCreateEmbeddedKeys } from "./embedded-key-file.ts";
import { type KeyRing, parseKeyRing } from "./key-ring.ts";

/** ENCRYPTION_KEYS wins; embedded mode falls back to a generated key file; PostgreSQL mode requires the setting. */
export function resolveKeyRing(config: Config, logger: Logger): KeyRing {
  if (config.encryptionKeys) return parseKeyRing(config.encryptionKeys);
  if (config.databaseUrl) {
    throw new Error(
      "ENCRYPTION_KEYS is required with DATABASE_URL (every process must share the keys); " +
        "generate one with: node -e \"console.log('k1:'+require('crypto').randomBytes(32).toString('base64'))\"",
    );
  }
  const embedded = loadOrCreateEmbeddedKeys(config.dataDir);
  if (embedded.created) {
    logger.warn(
      { path: embedded.path },
      "generated an encryption key for secrets at rest; back it up with the data directory, or set ENCRYPTION_KEYS",
    );
  }
  return parseKeyRing(embedded.spec);
}
