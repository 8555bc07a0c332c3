import { localDateOf, type RecurrenceSubset } from "../../core/managed-events/recurrence.ts";

/**
 * The recurrence subset as Graph's patternedRecurrence (provider-protocols 2.6): Graph has no RRULE strings.
 * WEEKLY is `weekly` with its days, MONTHLY is `absoluteMonthly` on the start's day or `relativeMonthly` with an
 * index; COUNT is a `numbered` range, UNTIL an `endDate` range, neither `noEnd`. The range starts on the series'
 * first local date and is read in the event's zone.
 */
const DAY_NAMES = {
  MO: "monday",
  TU: "tuesday",
  WE: "wednesday",
  TH: "thursday",
  FR: "friday",
  SA: "saturday",
  SU: "sunday",
} as const;
const INDEXES: Record<string, string> = {
  "1": "first",
  "2": "second",
  "3": "third",
  "4": "fourth",
  "-1": "last",
};

export function graphPatternedRecurrence(
  rule: RecurrenceSubset,
  params: { start: Date; timeZone: string },
): Record<string, unknown> {
  const startDate = localDateOf(params.start, params.timeZone);
  const days = rule.byDay.map((day) => DAY_NAMES[day]);
  const pattern =
    rule.freq === "DAILY"
      ? { type: "daily", interval: rule.interval }
      : rule.freq === "WEEKLY"
        ? {
            type: "weekly",
            interval: rule.interval,
            daysOfWeek: days.length > 0 ? days : [dayOf(startDate)],
            firstDayOfWeek: "monday",
          }
        : rule.ordinal !== undefined
          ? {
              type: "relativeMonthly",
              interval: rule.interval,
              daysOfWeek: days,
              index: INDEXES[String(rule.ordinal)],
            }
          : { type: "absoluteMonthly", interval: rule.interval, dayOfMonth: Number(startDate.slice(8, 10)) };
  const range =
    rule.count !== undefined
      ? { type: "numbered", startDate, numberOfOccurrences: rule.count }
      : rule.untilDate !== undefined
        ? { type: "endDate", startDate, endDate: rule.untilDate }
        : { type: "noEnd", startDate };
  return { pattern, range: { ...range, recurrenceTimeZone: params.timeZone } };
}

function dayOf(date: string): string {
  const index = new Date(`${date}T12:00:00Z`).getUTCDay();
  return ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"][index]!;
}
