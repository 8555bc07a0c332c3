import type { Command } from "commander";
import * as icsCommand from "./ics.ts";
import * as keysCommand from "./keys.ts";
import * as migrateCommand from "./migrate.ts";
import * as sandboxCommand from "./sandbox.ts";
import * as serveCommand from "./serve.ts";
import * as slotsCommand from "./slots.ts";
import * as tenantCommand from "./tenant.ts";

// One line per sub-command; each module exports `register(program)`.
const commandModules: Array<{ register(program: Command): void }> = [
  serveCommand,
  migrateCommand,
  tenantCommand,
  keysCommand,
  icsCommand,
  slotsCommand,
  sandboxCommand,
];

export function registerCommands(program: Command): void {
  for (const module of commandModules) module.register(program);
}
