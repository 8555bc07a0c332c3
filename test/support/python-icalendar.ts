import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { it } from "vitest";
import { readTestEnvironment } from "../../src/config.ts";

/**
 * Debian's python3-icalendar, an independent .ics reader that catches what our own parser would forgive. Tests reach
 * it only through here: it is probed once per test process, and without it its cases are skipped with a printed
 * reason, except in CI (CI=true), where that is a failure (as with PostgreSQL in test-stores.ts).
 */

// The Debian package lives under the system python, not under a pyenv shim that may come first in PATH.
const defaultPython = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

export type PythonProbe = { available: true; python: string } | { available: false; reason: string };

/** Imports the module once; the interpreter is a parameter so that the probe's own test can hand it a broken one. */
export function probePythonIcalendar(params: { python: string; ci: boolean }): PythonProbe {
  const result = spawnSync(params.python, ["-c", "import icalendar"], { encoding: "utf8", timeout: 30_000 });
  if (result.status === 0) return { available: true, python: params.python };
  const lastLine = result.stderr?.trim().split("\n").at(-1);
  const detail =
    result.error?.message ?? (lastLine || `exit status ${String(result.status ?? result.signal)}`);
  const reason = `${params.python} cannot import icalendar (${detail}); install python3-icalendar`;
  if (params.ci) throw new Error(`python3-icalendar is required in CI: ${reason}`);
  return { available: false, reason };
}

const probe = probePythonIcalendar({ python: defaultPython, ci: readTestEnvironment().ci });
if (!probe.available) process.stderr.write(`[tests] python-icalendar cases skipped: ${probe.reason}\n`);

/** `it`, run only when python-icalendar can be imported. */
export const itWithPythonIcalendar = it.runIf(probe.available);
export const pythonIcalendarAvailable = probe.available;

/** Runs python with the given arguments (a script path or `-c code`) and the .ics on stdin; returns stdout. */
export function runPythonIcalendar(args: string[], ics: string): string {
  if (!probe.available) throw new Error(`python-icalendar is not available: ${probe.reason}`);
  return execFileSync(probe.python, args, { input: ics, encoding: "utf8" });
}
