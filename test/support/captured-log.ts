import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/observability/logger.ts";

/** The service's own logger (serializers, redaction) writing its JSON lines to memory instead of stdout. */
export function captureLog(level = "info"): {
  logger: Logger;
  lines: string[];
  entries(): Array<Record<string, unknown>>;
} {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      callback();
    },
  });
  return {
    logger: createLogger({ level, destination }),
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
