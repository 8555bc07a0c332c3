import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

function captureLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger({ level: "info", destination }), lines };
}

describe("logger", () => {
  it("redacts tokens, keys and the Authorization header", () => {
    const { logger, lines } = captureLogger();
    logger.info(
      {
        req: { headers: { authorization: "Bearer cbk_live_secret", "user-agent": "t" } },
        connection: { refreshToken: "r-secret", accessToken: "a-secret", name: "Outlook" },
        apiKey: "cbk_key",
      },
      "hello",
    );
    const line = lines.join("");
    expect(line).toContain('"msg":"hello"');
    expect(line).toContain("Outlook");
    for (const secret of ["cbk_live_secret", "r-secret", "a-secret", "cbk_key"])
      expect(line).not.toContain(secret);
    expect(line).toContain("[redacted]");
  });
});
