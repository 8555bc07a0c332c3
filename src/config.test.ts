import { describe, expect, it } from "vitest";
import { ConfigError, childProcessEnvironment, parseConfig } from "./config.ts";

describe("config", () => {
  it("has working defaults for the embedded quick start", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ port: 3000, databaseUrl: undefined, logLevel: "info", sandbox: "auto" });
    expect(config.dataDir).toMatch(/\.calbridge$/);
    expect(config.publicUrl).toBe("http://localhost:3000");
  });

  it("keeps the sandbox off by default in a deployment, and on auto for the embedded quick start", () => {
    expect(parseConfig({}).sandbox).toBe("auto");
    expect(parseConfig({ DATABASE_URL: "postgres://u@db/cal" }).sandbox).toBe("off");
    expect(parseConfig({ NODE_ENV: "production" }).sandbox).toBe("off");
    expect(parseConfig({ NODE_ENV: "development" }).sandbox).toBe("auto");
    // An explicit choice always wins.
    expect(parseConfig({ DATABASE_URL: "postgres://u@db/cal", SANDBOX: "auto" }).sandbox).toBe("auto");
    expect(parseConfig({ NODE_ENV: "production", SANDBOX: "on" }).sandbox).toBe("on");
  });

  it("gives a child process only what Node needs, none of the service's secrets", () => {
    const env = childProcessEnvironment({
      PATH: "/usr/bin",
      HOME: "/home/calbridge",
      ENCRYPTION_KEYS: "k1:secret",
      DATABASE_URL: "postgres://u:p@db/cal",
      MICROSOFT_CLIENT_SECRET: "s3cret",
      SMTP_URL: "smtp://u:p@mail",
    });
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/home/calbridge" });
  });

  it("parses every variable", () => {
    const config = parseConfig({
      PORT: "8080",
      PUBLIC_URL: "https://cal.example.com/",
      DATABASE_URL: "postgres://u@db/cal",
      DATA_DIR: "/var/lib/calbridge",
      ENCRYPTION_KEYS: "k1:abc",
      LOG_LEVEL: "debug",
      OUTBOUND_ALLOW: "10.0.0.0/8, intranet.example.com",
    });
    expect(config).toMatchObject({
      port: 8080,
      publicUrl: "https://cal.example.com",
      databaseUrl: "postgres://u@db/cal",
      dataDir: "/var/lib/calbridge",
      logLevel: "debug",
      outboundAllow: ["10.0.0.0/8", "intranet.example.com"],
    });
  });

  it("merges the deprecated ICS_FEED_ALLOW into OUTBOUND_ALLOW", () => {
    const config = parseConfig({ OUTBOUND_ALLOW: "[::1], 192.168.0.0/16", ICS_FEED_ALLOW: "127.0.0.1" });
    expect(config.outboundAllow).toEqual(["[::1]", "192.168.0.0/16", "127.0.0.1"]);
    expect(parseConfig({}).outboundAllow).toEqual([]);
  });

  it.each([
    [{}, false],
    [{ TRUST_PROXY: "" }, false],
    [{ TRUST_PROXY: "FALSE" }, false],
    [{ TRUST_PROXY: "true" }, true],
    [{ TRUST_PROXY: "127.0.0.1" }, ["127.0.0.1"]],
    [{ TRUST_PROXY: " 10.0.0.0/8 , ::1, fd00::/8,loopback" }, ["10.0.0.0/8", "::1", "fd00::/8", "loopback"]],
  ])("reads TRUST_PROXY (%o)", (env, expected) => {
    expect(parseConfig(env).trustProxy).toEqual(expected);
  });

  it.each([
    [{ PORT: "eighty" }, /PORT:/],
    [{ PORT: "70000" }, /PORT:/],
    [{ PUBLIC_URL: "not a url" }, /PUBLIC_URL: must be an absolute URL/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL: must be a postgres/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL:/],
    [{ SMTP_URL: "http://mail" }, /SMTP_URL: must be an smtp/],
    [{ OUTBOUND_ALLOW: "10.0.0.0/33" }, /OUTBOUND_ALLOW: "10\.0\.0\.0\/33" is not a valid CIDR range/],
    [{ OUTBOUND_ALLOW: "ok.example.com, not a cidr/99" }, /OUTBOUND_ALLOW: "not a cidr\/99" is not a valid/],
    [{ OUTBOUND_ALLOW: "127.1" }, /OUTBOUND_ALLOW: "127\.1" is not a valid IP address/],
    [{ ICS_FEED_ALLOW: "fd00::/200" }, /ICS_FEED_ALLOW: "fd00::\/200" is not a valid CIDR range/],
    [
      { TRUST_PROXY: "yes" },
      /TRUST_PROXY: must be true, false, or a comma-separated list .* \("yes" is neither\)/,
    ],
    [{ TRUST_PROXY: "10.0.0.1, 10.0.0.0/33" }, /TRUST_PROXY: .*"10\.0\.0\.0\/33" is neither/],
    [{ TRUST_PROXY: "10.0.0.1," }, /TRUST_PROXY: .*"" is neither/],
    [{ TRUST_PROXY: "1" }, /TRUST_PROXY: .*a hop count cannot tell a proxy from a client/],
    [{ PROVIDER_BUDGETS: "{google:1}" }, /PROVIDER_BUDGETS: must be JSON/],
    [{ PROVIDER_BUDGETS: '{"gmail":{"appPerMinute":5}}' }, /PROVIDER_BUDGETS/],
    [{ PROVIDER_BUDGETS: '{"google":{"appPerMinute":0}}' }, /PROVIDER_BUDGETS\.google\.appPerMinute/],
  ])("stops with a message naming the bad variable (%o)", (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });

  it("reads provider budget overrides (PROVIDER_BUDGETS) over nothing else", () => {
    expect(parseConfig({}).providerBudgets).toEqual({});
    expect(parseConfig({ PROVIDER_BUDGETS: '{"google":{"appPerMinute":50000}}' }).providerBudgets).toEqual({
      google: { appPerMinute: 50_000 },
    });
  });
});
