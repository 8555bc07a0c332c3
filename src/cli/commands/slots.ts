import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { computeSlots } from "../../core/availability/compute-slots.ts";
import { explainInstant } from "../../core/availability/explain.ts";
import { groupSlotsByLocalDate } from "../../core/availability/invitee-dates.ts";
import { parseAvailabilityRequest } from "../../core/availability/request-schema.ts";

/** Exit code for unusable input (bad JSON, a request the schema rejects, a bad --explain instant). */
export const INPUT_ERROR_EXIT_CODE = 2;

const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

export class SlotsInputError extends Error {}

/**
 * `calbridge slots`: the availability engine on a JSON request (docs/availability-input.md). Returns the
 * JSON text to print; throws SlotsInputError for input the engine cannot use.
 */
export function runSlots(params: {
  inputText: string;
  explain?: string | undefined;
  byInviteeDate?: boolean | undefined;
}): unknown {
  let json: unknown;
  try {
    json = JSON.parse(params.inputText);
  } catch (error) {
    throw new SlotsInputError(`input is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = parseAvailabilityRequest(json);
  if (!parsed.ok) throw new SlotsInputError(`invalid availability request: ${parsed.error}`);
  if (params.explain === undefined) {
    const slots = computeSlots(parsed.value);
    if (!params.byInviteeDate) return { slots };
    return { dates: groupSlotsByLocalDate({ slots, timeZone: parsed.value.inviteeTimeZone }) };
  }
  if (!ISO_INSTANT.test(params.explain) || Number.isNaN(Date.parse(params.explain))) {
    throw new SlotsInputError(`--explain: expected an ISO 8601 instant such as 2030-03-04T09:00:00Z`);
  }
  return explainInstant(parsed.value, params.explain);
}

function readInput(input: string): string {
  try {
    // "-" is standard input (file descriptor 0), so requests can be piped in.
    return readFileSync(input === "-" ? 0 : input, "utf8");
  } catch (error) {
    throw new SlotsInputError(
      `cannot read ${input === "-" ? "standard input" : input}: ${(error as Error).message}`,
    );
  }
}

export function register(program: Command): void {
  program
    .command("slots")
    .description("compute bookable slots from an availability request (JSON; see docs/availability-input.md)")
    .requiredOption("--input <file>", "request file, or - for standard input")
    .option(
      "--explain <instant>",
      "explain whether a slot starting at this ISO instant is bookable, and why not",
    )
    .option(
      "--by-invitee-date",
      'print {"dates": {"YYYY-MM-DD": [slots]}} grouped by the invitee\'s local date',
    )
    .option("--pretty", "indent the JSON output")
    .action((options: { input: string; explain?: string; byInviteeDate?: boolean; pretty?: boolean }) => {
      try {
        const output = runSlots({
          inputText: readInput(options.input),
          explain: options.explain,
          byInviteeDate: options.byInviteeDate,
        });
        process.stdout.write(`${JSON.stringify(output, null, options.pretty ? 2 : undefined)}\n`);
      } catch (error) {
        if (error instanceof SlotsInputError) process.exitCode = INPUT_ERROR_EXIT_CODE;
        throw error;
      }
    });
}
