/** A CLI failure is one line on stderr and a non-zero exit code: never a stack trace. */
export function reportCliError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`calbridge: ${message.split("\n")[0]}\n`);
  process.exitCode = process.exitCode && process.exitCode !== 0 ? process.exitCode : 1;
}
