import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { decodeIcsBytes } from "../../core/ical/decode-ics-bytes.ts";
import { expandOccurrences } from "../../core/ical/expand-occurrences.ts";
import { parseCalendars } from "../../core/ical/parse-calendar.ts";
import { validateIcs } from "../../core/ical/validate-calendar.ts";

// A CLI read of a feed is a one-off: a generous limit, but still a limit (a wrong URL can stream forever).
const MAX_BYTES = 50 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;

/** Read a file path or an http(s)/webcal URL to text. Failures are one-line Errors (main.ts prints them). */
export async function readIcsSource(source: string): Promise<string> {
  if (/^(https?|webcal):\/\//i.test(source)) {
    const url = source.replace(/^webcal:/i, "https:");
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "follow" });
    } catch (error) {
      throw new Error(`cannot fetch ${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!response.ok) throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > MAX_BYTES) throw new Error(`${url} is larger than ${MAX_BYTES} bytes`);
    return decodeIcsBytes(bytes);
  }
  try {
    return decodeIcsBytes(await readFile(source));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${source}: ${code === "ENOENT" ? "no such file" : (code ?? String(error))}`);
  }
}

/** `ics expand`: JSON lines, keys in the documented order, on `write`. Returns the number printed. */
export function expandToJsonLines(params: {
  text: string;
  from: string;
  to: string;
  maxOccurrences?: number;
  write: (line: string) => void;
  warn: (line: string) => void;
}): number {
  const parsed = parseCalendars(params.text);
  if (!parsed.ok) throw new Error(`line ${parsed.error.line}: ${parsed.error.message}`);
  const expanded = expandOccurrences({
    calendars: parsed.value,
    from: params.from,
    to: params.to,
    maxOccurrences: params.maxOccurrences,
  });
  if (!expanded.ok) throw new Error(expanded.error.message);
  for (const o of expanded.value.occurrences) {
    const { uid, recurrenceId, start, end, allDay, floating, summary, status, transparency } = o;
    params.write(
      `${JSON.stringify({ uid, recurrenceId, start, end, allDay, floating, summary, status, transparency })}\n`,
    );
  }
  if (expanded.value.truncated) {
    params.warn(`calbridge: output truncated after ${expanded.value.occurrences.length} occurrences\n`);
  }
  return expanded.value.occurrences.length;
}

export function register(program: Command): void {
  const ics = program.command("ics").description("read iCalendar (.ics) files and feeds");
  ics
    .command("expand")
    .description("print the occurrences in [from, to) as JSON lines, sorted by start")
    .argument("<source>", "an .ics file, or an http(s):// or webcal:// URL")
    .requiredOption("--from <iso>", "range start, e.g. 2024-01-01 or 2024-01-01T00:00:00Z")
    .requiredOption("--to <iso>", "range end (exclusive)")
    .option("--max <count>", "at most this many occurrences", (value) => Number.parseInt(value, 10))
    .action(async (source: string, options: { from: string; to: string; max?: number }) => {
      const text = await readIcsSource(source);
      expandToJsonLines({
        text,
        from: options.from,
        to: options.to,
        maxOccurrences: options.max,
        write: (line) => process.stdout.write(line),
        warn: (line) => process.stderr.write(line),
      });
    });
  ics
    .command("validate")
    .description("report problems with their line numbers; exits non-zero when the file cannot be used")
    .argument("<source>", "an .ics file, or an http(s):// or webcal:// URL")
    .action(async (source: string) => {
      const result = validateIcs(await readIcsSource(source));
      for (const problem of result.problems) {
        process.stdout.write(`line ${problem.line}: ${problem.severity}: ${problem.message}\n`);
      }
      const errors = result.problems.filter((problem) => problem.severity === "error").length;
      const warnings = result.problems.length - errors;
      process.stdout.write(
        `${result.calendars} calendar(s), ${result.events} event(s): ${errors} error(s), ${warnings} warning(s)\n`,
      );
      if (errors > 0) process.exitCode = 1;
    });
}
