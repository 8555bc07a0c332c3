import { describe, expect, it } from "vitest";
import { captureLog } from "../../test/support/captured-log.ts";

describe("logger", () => {
  it("redacts tokens, keys and the Authorization header", () => {
    const { logger, lines } = captureLog();
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
