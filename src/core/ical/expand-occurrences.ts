import { type ExpansionRange, expandSeries, type KeyedOccurrence } from "./expand-series.ts";
import type { IcalProblem } from "./ical-problem.ts";
import type { Occurrence } from "./occurrence.ts";
import type { ParsedCalendar } from "./parse-calendar.ts";
import { type EventData, readEvent } from "./read-event.ts";
import { err, ok, type Result } from "./result.ts";
import { createTimeZoneResolver } from "./time-zone-resolver.ts";

export type { Occurrence } from "./occurrence.ts";

export interface IcalExpandError {
  code: "invalid_range";
  message: string;
}

export interface ExpandedOccurrences {
  occurrences: Occurrence[];
  /** True when `maxOccurrences` or the recurrence step budget cut the result short. */
  truncated: boolean;
  /**
   * When truncated: the start (seconds on the range's clock, as `parseRangeBound`) from which occurrences may be
   * missing. Everything before it is complete.
   */
  cutAt: number | null;
  /** Warnings met while interpreting events (unknown zones, invalid RRULEs, skipped events), with lines. */
  problems: IcalProblem[];
}

export const DEFAULT_MAX_OCCURRENCES = 100_000;
/**
 * Recurrence step budget per call, in closed-form steps (an ical.js step costs 25): a few million cheap steps
 * or ~100k ical.js ones, i.e. at most a few seconds on a slow core, however absurd the rules.
 */
export const DEFAULT_MAX_RECURRENCE_STEPS = 2_500_000;

const RANGE_VALUE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parse a range bound: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]` with `Z` or `±HH:MM`, or without (read as UTC).
 * Floating and all-day occurrences are compared on the same wall clock as the bound's UTC form.
 */
export function parseRangeBound(text: string): number | null {
  const match = RANGE_VALUE.exec(text.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi, s, zone] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), 0);
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d)) return null;
  let seconds = date.getTime() / 1000;
  if (zone && zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    seconds -= sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60);
  }
  return seconds;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Several VEVENTs with one UID and no RECURRENCE-ID: the highest SEQUENCE wins (RFC 5546 updates), then the
 * later one. Some generators reuse one UID for unrelated events; those that differ in DTSTART at the same
 * SEQUENCE are kept as events of their own (losing busy time is worse than a duplicate).
 */
function pickMasters(
  masters: EventData[],
  problems: IcalProblem[],
): { primary: EventData | null; extras: EventData[] } {
  let primary: EventData | null = null;
  for (const master of masters) if (!primary || master.sequence >= primary.sequence) primary = master;
  if (!primary) return { primary: null, extras: [] };
  const winner = primary;
  const extras = masters.filter(
    (master) =>
      master !== winner &&
      master.sequence === winner.sequence &&
      (master.start.local !== winner.start.local || master.start.zone !== winner.start.zone),
  );
  if (masters.length > 1) {
    problems.push({
      severity: "warning",
      line: masters[1]!.line,
      message: `UID ${winner.uid} is used by ${masters.length} events without RECURRENCE-ID`,
    });
  }
  return { primary: winner, extras };
}

/**
 * Expand the events of parsed calendars over `[from, to)`: every occurrence with `start < to && end > from`
 * (a zero-length one when `from <= start < to`), sorted by start. Each VCALENDAR is read on its own (its own
 * VTIMEZONEs and X-WR-TIMEZONE). At most `maxOccurrences` are returned; `truncated` says when more existed.
 */
export function expandOccurrences(params: {
  calendars: readonly ParsedCalendar[];
  from: string;
  to: string;
  maxOccurrences?: number;
  maxRecurrenceSteps?: number;
  /** The most steps one series may spend (default: all of them), so that one absurd rule can't starve the rest. */
  maxSeriesSteps?: number;
  /** Keep each occurrence's `agenda` (location, organizer, ...): only the agenda import reads it. */
  agenda?: boolean;
}): Result<ExpandedOccurrences, IcalExpandError> {
  const from = parseRangeBound(params.from);
  const to = parseRangeBound(params.to);
  if (from === null || to === null) {
    return err({
      code: "invalid_range",
      message: `invalid range bound: ${from === null ? params.from : params.to}`,
    });
  }
  if (to <= from) return err({ code: "invalid_range", message: "the range end must be after its start" });
  const range: ExpansionRange = { from, to };
  const maxOccurrences = params.maxOccurrences ?? DEFAULT_MAX_OCCURRENCES;
  const budget = { steps: params.maxRecurrenceSteps ?? DEFAULT_MAX_RECURRENCE_STEPS };
  const problems: IcalProblem[] = [];
  const occurrences: KeyedOccurrence[] = [];
  let truncated = false;
  let cutAt: number | null = null;
  const cutFrom = (at: number): void => {
    truncated = true;
    cutAt = cutAt === null ? at : Math.min(cutAt, at);
  };
  const maxSeriesSteps = params.maxSeriesSteps ?? Number.POSITIVE_INFINITY;
  for (const calendar of params.calendars) {
    const resolver = createTimeZoneResolver({ calendar: calendar.root, problems });
    const groups = new Map<string, { masters: EventData[]; overrides: EventData[] }>();
    for (const component of calendar.root.components) {
      if (component.name !== "VEVENT") continue;
      const event = readEvent({ component, resolver, problems });
      if (!event) continue;
      let group = groups.get(event.uid);
      if (!group) {
        group = { masters: [], overrides: [] };
        groups.set(event.uid, group);
      }
      (event.recurrenceId ? group.overrides : group.masters).push(event);
    }
    for (const group of groups.values()) {
      const { primary, extras } = pickMasters(group.masters, problems);
      const series = [
        { master: primary, overrides: group.overrides },
        ...extras.map((master) => ({ master, overrides: [] })),
      ];
      for (const { master, overrides } of series) {
        const share = { steps: Math.min(budget.steps, maxSeriesSteps) };
        const before = share.steps;
        const expanded = expandSeries({ master, overrides, range, budget: share, problems });
        budget.steps -= before - share.steps;
        if (expanded.capped) cutFrom(expanded.cutAt ?? range.from);
        // A loop, not push(...list): a list of 100k occurrences overflows the call stack as arguments.
        for (const occurrence of expanded.occurrences) occurrences.push(occurrence);
      }
    }
  }
  // Floating and all-day keys are wall-clock seconds, compared as if UTC: the same rule as range selection.
  occurrences.sort((a, b) => a.key - b.key || compareText(a.occurrence.uid, b.occurrence.uid));
  const firstDropped = occurrences[maxOccurrences];
  if (firstDropped) cutFrom(firstDropped.key);
  return ok({
    occurrences: occurrences
      .slice(0, maxOccurrences)
      .map((entry) => (params.agenda === true ? entry.occurrence : withoutAgenda(entry.occurrence))),
    truncated,
    cutAt,
    problems,
  });
}

function withoutAgenda(occurrence: Occurrence): Occurrence {
  const { agenda: _agenda, ...rest } = occurrence;
  return rest;
}
