import type { Command } from "commander";
import * as slotsCommand from "./slots.ts";

// One line per sub-command; each module exports `register(program)`.
const commandModules: Array<{ register(program: Command): void }> = [slotsCommand];

export function registerCommands(program: Command): void {
  for (const module of commandModules) module.register(program);
}
