import { readFileSync } from "node:fs";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { registerCommands } from "../src/cli/commands/registry.ts";
import { configSchema, parseConfig } from "../src/config.ts";
import { generateKeySpec } from "../src/secrets/key-ring.ts";
import { cliEntry, roleCommands } from "./support/role-commands.ts";

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
}

const root = new URL("../", import.meta.url);
const compose = parse(readFileSync(new URL("compose.yaml", root), "utf8")) as {
  services: Record<string, ComposeService>;
};

/** Compose's `${NAME:?message}` and `${NAME:-default}` as `docker compose` resolves them with `given` set. */
function interpolate(value: string, given: Record<string, string>): string {
  return value.replace(
    /\$\{(\w+)(?::([?-])([^}]*))?\}/g,
    (_all, name: string, kind?: string, rest?: string) => {
      if (given[name] !== undefined) return given[name];
      if (kind === "?") throw new Error(`${name} is required: ${rest}`);
      return rest ?? "";
    },
  );
}

/** The `serve` sub-command's parser as the CLI builds it; throws a CommanderError on an unknown option or value. */
function parseServeArguments(args: string[]): Record<string, unknown> {
  const program = new Command("calbridge").exitOverride();
  registerCommands(program);
  const serve = program.commands.find((command) => command.name() === "serve")!;
  serve.exitOverride().configureOutput({ writeErr: () => undefined });
  const [name, ...rest] = args;
  expect(name).toBe("serve");
  const parsed = serve.parseOptions(rest);
  expect(parsed).toEqual({ operands: [], unknown: [] });
  return serve.opts();
}

/**
 * compose.yaml and the Dockerfile cannot be run here (no Docker): this keeps them from rotting. Each service runs
 * exactly the command the multi-process tests run, with options the CLI accepts, and only variables the
 * configuration knows, which it accepts as given.
 */
describe("compose.yaml and the Dockerfile", () => {
  it("runs the api and worker roles with exactly the commands the role test starts", () => {
    for (const role of ["api", "worker"] as const) {
      const service = compose.services[role]!;
      expect(service.command).toEqual([...cliEntry, ...roleCommands[role]]);
      expect(parseServeArguments(service.command!.slice(cliEntry.length))).toEqual({ role });
    }
    expect(compose.services.postgres).toBeDefined();
  });

  it("sets only variables the configuration knows, with values it accepts", () => {
    const known = new Set(Object.keys(configSchema.shape));
    const given = { ENCRYPTION_KEYS: generateKeySpec("k1"), REDIS_URL: "redis://127.0.0.1:6379" };
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === "postgres") continue;
      const environment = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([key, value]) => [
          key,
          interpolate(String(value), given),
        ]),
      );
      expect([...Object.keys(environment)].filter((key) => !known.has(key))).toEqual([]);
      const config = parseConfig(environment);
      expect(config.databaseUrl).toMatch(/^postgresql:\/\/.+@postgres:5432\//);
      expect(config.sandbox).toBe("off");
      expect(config.host).toBe("0.0.0.0");
    }
    // Without ENCRYPTION_KEYS compose refuses to start, naming it.
    expect(() => interpolate(String(compose.services.api!.environment!.ENCRYPTION_KEYS), {})).toThrow(
      "ENCRYPTION_KEYS is required",
    );
  });

  it("builds an image whose default command is the CLI's serve, with options it accepts", () => {
    const dockerfile = readFileSync(new URL("Dockerfile", root), "utf8");
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(cmd.slice(0, cliEntry.length)).toEqual([...cliEntry]);
    expect(parseServeArguments(cmd.slice(cliEntry.length))).toEqual({ role: "all" });
    expect(() => parseServeArguments(["serve", "--role", "scheduler"])).toThrow(/scheduler/);
  });
});
