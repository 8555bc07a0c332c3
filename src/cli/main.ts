import { Command, CommanderError } from "commander";
import { version } from "../main.ts";
import { registerCommands } from "./commands/registry.ts";
import { reportCliError } from "./report-error.ts";

// The calbridge command. Each sub-command lives in its own file under ./commands and is listed in
// ./commands/registry.ts; this file only builds the program and turns failures into one-line errors.
const program = new Command("calbridge")
  .description("Calbridge: calendar integration service")
  .version(version, "-v, --version", "print the version")
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    reportCliError(error);
  }
}
