import type { Command } from "commander";
import { loadConfig } from "../../config.ts";
import { openConfiguredStore } from "../../main.ts";
import { createLogger } from "../../observability/logger.ts";
import { appendEmbeddedKey } from "../../secrets/embedded-key-file.ts";
import { parseKeyRing } from "../../secrets/key-ring.ts";
import { resolveKeyRing } from "../../secrets/resolve-key-ring.ts";
import { rotateSecrets } from "../../store/rotate-secrets.ts";

export function register(program: Command): void {
  const keys = program.command("keys").description("manage the encryption keys for secrets at rest");
  keys
    .command("rotate")
    .description(
      "re-encrypt every stored secret under the newest key. With ENCRYPTION_KEYS, append the new key to it first; " +
        "in embedded mode without ENCRYPTION_KEYS a new key is generated into DATA_DIR",
    )
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel });
      let keyRing = resolveKeyRing(config, logger);
      if (!config.encryptionKeys) {
        keyRing = parseKeyRing(appendEmbeddedKey(config.dataDir, `k${Date.now().toString(36)}`));
      }
      const store = await openConfiguredStore(config, logger);
      try {
        const result = await rotateSecrets(store.db, keyRing);
        process.stdout.write(
          `re-encrypted ${result.rotated} of ${result.examined} secrets under key "${keyRing.currentKeyId}"\n`,
        );
      } finally {
        await store.close();
      }
    });
}
