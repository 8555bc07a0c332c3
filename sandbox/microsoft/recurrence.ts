import { Temporal } from "temporal-polyfill";
import { GraphError } from "./graph-errors.ts";

/** patternedRecurrence (protocol reference 2.6). Graph has no RRULE strings. */
export interface RecurrencePattern {
  type: "daily" | "weekly" | "absoluteMonthly" | "relativeMonthly" | "absoluteYearly" | "relativeYearly";
  interval: number;
  month: number;
  dayOfMonth: number;
  daysOfWeek: string[];
  firstDayOfWeek: string;
  index: "first" | "second" | "third" | "fourth" | "last";
}

export interface RecurrenceRange {
  type: "endDate" | "noEnd" | "numbered";
  startDate: string;
  endDate: string;
  numberOfOccurrences: number;
  recurrenceTimeZone: string;
}

export interface PatternedRecurrence {
  pattern: RecurrencePattern;
  range: RecurrenceRange;
}

const DAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const PATTERN_TYPES = [
  "daily",
  "weekly",
  "absoluteMonthly",
  "relativeMonthly",
  "absoluteYearly",
  "relativeYearly",
];
const INDEXES = ["first", "second", "third", "fourth", "last"];

function invalid(message: string): GraphError {
  return new GraphError({ status: 400, code: "ErrorPropertyValidationFailure", message });
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * Responses fill every field: unused ints are 0, index "first", firstDayOfWeek "sunday",
 * recurrenceTimeZone the event zone, days lowercase (reference 2.6).
 */
export function normaliseRecurrence(input: unknown, params: { eventTimeZone: string }): PatternedRecurrence {
  const pattern = record(record(input).pattern);
  const range = record(record(input).range);
  const type = String(pattern.type ?? "");
  if (!PATTERN_TYPES.includes(type)) throw invalid("Recurrence pattern type is invalid.");
  const interval = Number(pattern.interval ?? 0);
  if (!Number.isInteger(interval) || interval < 1) throw invalid("Recurrence pattern interval is invalid.");
  const daysOfWeek = Array.isArray(pattern.daysOfWeek)
    ? pattern.daysOfWeek.map((d) => String(d).toLowerCase())
    : [];
  if (daysOfWeek.some((d) => !DAY_NAMES.includes(d)))
    throw invalid("Recurrence pattern daysOfWeek is invalid.");
  if (["weekly", "relativeMonthly", "relativeYearly"].includes(type) && daysOfWeek.length === 0) {
    throw invalid("Recurrence pattern daysOfWeek is required for this pattern type.");
  }
  const index = String(pattern.index ?? "first");
  if (!INDEXES.includes(index)) throw invalid("Recurrence pattern index is invalid.");
  const rangeType = String(range.type ?? "");
  if (!["endDate", "noEnd", "numbered"].includes(rangeType))
    throw invalid("Recurrence range type is invalid.");
  const startDate = String(range.startDate ?? "");
  if (!/^\d{4}-\d\d-\d\d$/.test(startDate)) throw invalid("Recurrence range startDate is invalid.");
  const endDate = rangeType === "endDate" ? String(range.endDate ?? "") : "0001-01-01";
  if (rangeType === "endDate" && !/^\d{4}-\d\d-\d\d$/.test(endDate)) {
    throw invalid("Recurrence range endDate is invalid.");
  }
  const numberOfOccurrences = rangeType === "numbered" ? Number(range.numberOfOccurrences ?? 0) : 0;
  if (rangeType === "numbered" && (!Number.isInteger(numberOfOccurrences) || numberOfOccurrences < 1)) {
    throw invalid("Recurrence range numberOfOccurrences is invalid.");
  }
  return {
    pattern: {
      type: type as RecurrencePattern["type"],
      interval,
      month: Number(pattern.month ?? 0),
      dayOfMonth: Number(pattern.dayOfMonth ?? 0),
      daysOfWeek,
      firstDayOfWeek: String(pattern.firstDayOfWeek ?? "sunday").toLowerCase(),
      index: index as RecurrencePattern["index"],
    },
    range: {
      type: rangeType as RecurrenceRange["type"],
      startDate,
      endDate,
      numberOfOccurrences,
      recurrenceTimeZone: String(range.recurrenceTimeZone ?? params.eventTimeZone),
    },
  };
}

function dayName(date: Temporal.PlainDate): string {
  return DAY_NAMES[date.dayOfWeek % 7]!;
}

function weekStart(date: Temporal.PlainDate, firstDayOfWeek: string): Temporal.PlainDate {
  const first = Math.max(0, DAY_NAMES.indexOf(firstDayOfWeek));
  return date.subtract({ days: ((date.dayOfWeek % 7) - first + 7) % 7 });
}

/** Is `date` the index-th (or last) day in its month whose weekday is in `daysOfWeek`? */
function isRelativeDay(date: Temporal.PlainDate, pattern: RecurrencePattern): boolean {
  if (!pattern.daysOfWeek.includes(dayName(date))) return false;
  const matches: number[] = [];
  for (let day = 1; day <= date.daysInMonth; day++) {
    if (pattern.daysOfWeek.includes(dayName(date.with({ day })))) matches.push(day);
  }
  const wanted = pattern.index === "last" ? matches.at(-1) : matches[INDEXES.indexOf(pattern.index)];
  return wanted === date.day;
}

function matches(date: Temporal.PlainDate, start: Temporal.PlainDate, pattern: RecurrencePattern): boolean {
  const months = (date.year - start.year) * 12 + date.month - start.month;
  switch (pattern.type) {
    case "daily":
      return start.until(date).days % pattern.interval === 0;
    case "weekly": {
      const weeks =
        weekStart(start, pattern.firstDayOfWeek).until(weekStart(date, pattern.firstDayOfWeek)).days / 7;
      return weeks % pattern.interval === 0 && pattern.daysOfWeek.includes(dayName(date));
    }
    case "absoluteMonthly":
      return months % pattern.interval === 0 && date.day === pattern.dayOfMonth;
    case "relativeMonthly":
      return months % pattern.interval === 0 && isRelativeDay(date, pattern);
    case "absoluteYearly":
      return (
        (date.year - start.year) % pattern.interval === 0 &&
        date.month === pattern.month &&
        date.day === pattern.dayOfMonth
      );
    case "relativeYearly":
      return (
        (date.year - start.year) % pattern.interval === 0 &&
        date.month === pattern.month &&
        isRelativeDay(date, pattern)
      );
  }
}

/** Dates (in the recurrence zone) on which the series occurs, from range.startDate up to `until`. */
export function expandOccurrenceDates(params: {
  recurrence: PatternedRecurrence;
  until: Temporal.PlainDate;
}): Temporal.PlainDate[] {
  const { pattern, range } = params.recurrence;
  const start = Temporal.PlainDate.from(range.startDate);
  let last = params.until;
  if (range.type === "endDate") {
    const end = Temporal.PlainDate.from(range.endDate);
    if (Temporal.PlainDate.compare(end, last) < 0) last = end;
  }
  const dates: Temporal.PlainDate[] = [];
  for (let date = start; Temporal.PlainDate.compare(date, last) <= 0; date = date.add({ days: 1 })) {
    if (!matches(date, start, pattern)) continue;
    dates.push(date);
    if (range.type === "numbered" && dates.length >= range.numberOfOccurrences) break;
  }
  return dates;
}
