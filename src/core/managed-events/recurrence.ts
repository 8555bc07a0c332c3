import { Temporal } from "temporal-polyfill";

/**
 * The recurrence subset a managed event may carry, as an RRULE: FREQ=DAILY|WEEKLY|MONTHLY with INTERVAL, BYDAY
 * (weekly: a list of days; monthly: one day with its ordinal, 1..4 or -1), and COUNT or UNTIL, plus EXDATEs. It is
 * what every provider can hold as one series (Graph patternedRecurrence, Google and CalDAV RRULE), and it is
 * expanded here the same way for availability. Pure: no clock, no I/O.
 */
export type Weekday = "MO" | "TU" | "WE" | "TH" | "FR" | "SA" | "SU";
export const WEEKDAYS: readonly Weekday[] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

export interface RecurrenceSubset {
  freq: "DAILY" | "WEEKLY" | "MONTHLY";
  interval: number;
  /** WEEKLY: the days (at least the start's); MONTHLY: empty (the start's day of month) or one ordinal day. */
  byDay: Weekday[];
  /** MONTHLY by weekday: 1..4, or -1 for the last. */
  ordinal?: number;
  count?: number;
  /** Inclusive: the last date (in the event's zone) an occurrence may start on. */
  untilDate?: string;
}

export const MAX_COUNT = 730;
const MAX_INTERVAL = 99;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

/** Parses and checks an RRULE of the subset (with or without the `RRULE:` prefix). */
export function parseRecurrenceSubset(text: string): Parsed<RecurrenceSubset> {
  const body = text.trim().replace(/^RRULE:/i, "");
  if (body.length === 0 || body.length > 200)
    return fail("recurrence must be an RRULE of at most 200 characters");
  const parts = new Map<string, string>();
  for (const part of body.split(";")) {
    const [key, value, extra] = part.split("=");
    if (!key || value === undefined || extra !== undefined || value === "")
      return fail(`recurrence part "${part}" is not NAME=VALUE`);
    const name = key.toUpperCase();
    if (parts.has(name)) return fail(`recurrence names ${name} twice`);
    parts.set(name, value.toUpperCase());
  }
  for (const name of parts.keys()) {
    if (!["FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL", "WKST"].includes(name))
      return fail(`recurrence part ${name} is not supported (FREQ, INTERVAL, BYDAY, COUNT, UNTIL)`);
  }
  const freq = parts.get("FREQ");
  if (freq !== "DAILY" && freq !== "WEEKLY" && freq !== "MONTHLY")
    return fail("recurrence FREQ must be DAILY, WEEKLY or MONTHLY");
  if (parts.has("WKST") && parts.get("WKST") !== "MO") return fail("recurrence WKST must be MO");
  const interval = parts.has("INTERVAL") ? Number(parts.get("INTERVAL")) : 1;
  if (!Number.isInteger(interval) || interval < 1 || interval > MAX_INTERVAL)
    return fail(`recurrence INTERVAL must be a whole number from 1 to ${MAX_INTERVAL}`);
  const rule: RecurrenceSubset = { freq, interval, byDay: [] };
  const byDay = parts.get("BYDAY");
  if (byDay !== undefined) {
    if (freq === "DAILY") return fail("recurrence BYDAY is not supported with FREQ=DAILY (use WEEKLY)");
    const days = byDay.split(",");
    for (const day of days) {
      const match = /^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$/.exec(day);
      if (!match) return fail(`recurrence BYDAY value "${day}" is not a weekday`);
      const ordinal = match[1] === undefined ? undefined : Number(match[1]);
      if (freq === "WEEKLY" && ordinal !== undefined)
        return fail("recurrence BYDAY of WEEKLY takes no ordinal");
      if (freq === "MONTHLY") {
        if (days.length !== 1 || ordinal === undefined || !(ordinal === -1 || (ordinal >= 1 && ordinal <= 4)))
          return fail(
            "recurrence BYDAY of MONTHLY must be one day with an ordinal from 1 to 4 or -1 (e.g. 2TU)",
          );
        rule.ordinal = ordinal;
      }
      if (!rule.byDay.includes(match[2] as Weekday)) rule.byDay.push(match[2] as Weekday);
    }
  }
  if (parts.has("COUNT") && parts.has("UNTIL")) return fail("recurrence takes COUNT or UNTIL, not both");
  if (parts.has("COUNT")) {
    const count = Number(parts.get("COUNT"));
    if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT)
      return fail(`recurrence COUNT must be a whole number from 1 to ${MAX_COUNT}`);
    rule.count = count;
  }
  const until = parts.get("UNTIL");
  if (until !== undefined) {
    const match = /^(\d{4})(\d\d)(\d\d)(T\d{6}Z?)?$/.exec(until);
    const date = match ? `${match[1]}-${match[2]}-${match[3]}` : "";
    if (!match || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
      return fail("recurrence UNTIL must be a date (YYYYMMDD) or a UTC time (YYYYMMDDTHHMMSSZ)");
    rule.untilDate = date;
  }
  return { ok: true, value: rule };
}

/** The rule as an RRULE value (no prefix), normalised: what Google and CalDAV store. */
export function formatRecurrenceSubset(rule: RecurrenceSubset): string {
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.byDay.length > 0)
    parts.push(`BYDAY=${rule.byDay.map((d) => `${rule.ordinal ?? ""}${d}`).join(",")}`);
  if (rule.count !== undefined) parts.push(`COUNT=${rule.count}`);
  if (rule.untilDate !== undefined) parts.push(`UNTIL=${rule.untilDate.replaceAll("-", "")}`);
  return parts.join(";");
}

function weekdayOf(date: Temporal.PlainDate): Weekday {
  return WEEKDAYS[date.dayOfWeek - 1]!;
}

/** The date of the `ordinal`th `day` of the month of `month` (null when the month has no such day). */
function nthWeekday(
  month: Temporal.PlainYearMonth,
  day: Weekday,
  ordinal: number,
): Temporal.PlainDate | null {
  const target = WEEKDAYS.indexOf(day) + 1;
  if (ordinal > 0) {
    const first = month.toPlainDate({ day: 1 });
    const date = first.add({ days: ((target - first.dayOfWeek + 7) % 7) + (ordinal - 1) * 7 });
    return date.month === first.month ? date : null;
  }
  const last = month.toPlainDate({ day: month.daysInMonth });
  return last.subtract({ days: (last.dayOfWeek - target + 7) % 7 });
}

/** Whether the series' first start is itself an occurrence of the rule (providers would start elsewhere if not). */
export function startMatchesRule(rule: RecurrenceSubset, startDate: string): string | null {
  const date = Temporal.PlainDate.from(startDate);
  if (rule.freq === "WEEKLY" && rule.byDay.length > 0 && !rule.byDay.includes(weekdayOf(date)))
    return `the start (${weekdayOf(date)}) must be one of the recurrence's BYDAY days`;
  if (rule.freq === "MONTHLY" && rule.ordinal !== undefined) {
    const nth = nthWeekday(date.toPlainYearMonth(), rule.byDay[0]!, rule.ordinal);
    if (!nth?.equals(date)) return "the start must fall on the recurrence's BYDAY (e.g. the 2nd Tuesday)";
  }
  if (
    rule.untilDate !== undefined &&
    Temporal.PlainDate.compare(date, Temporal.PlainDate.from(rule.untilDate)) > 0
  )
    return "the recurrence's UNTIL lies before the start";
  return null;
}

/** Local dates of the series in order (EXDATEs not applied), at most `limit`, none after `lastDate`. */
function occurrenceDates(
  rule: RecurrenceSubset,
  startDate: string,
  limit: number,
  lastDate: string,
): string[] {
  const start = Temporal.PlainDate.from(startDate);
  const end = Temporal.PlainDate.from(
    rule.untilDate && rule.untilDate < lastDate ? rule.untilDate : lastDate,
  );
  const max = Math.min(limit, rule.count ?? limit);
  const out: string[] = [];
  const push = (date: Temporal.PlainDate | null): boolean => {
    if (!date || Temporal.PlainDate.compare(date, start) < 0) return true;
    if (Temporal.PlainDate.compare(date, end) > 0 || out.length >= max) return false;
    out.push(date.toString());
    return true;
  };
  if (rule.freq === "DAILY") {
    for (let i = 0; push(start.add({ days: i * rule.interval })); i++);
  } else if (rule.freq === "WEEKLY") {
    const days = (rule.byDay.length > 0 ? rule.byDay : [weekdayOf(start)])
      .map((d) => WEEKDAYS.indexOf(d))
      .sort((a, b) => a - b);
    const monday = start.subtract({ days: start.dayOfWeek - 1 });
    let going = true;
    for (let week = 0; going; week += rule.interval) {
      for (const day of days) {
        going = push(monday.add({ days: week * 7 + day }));
        if (!going) break;
      }
    }
  } else {
    const first = start.toPlainYearMonth();
    for (let i = 0; ; i += rule.interval) {
      const month = first.add({ months: i });
      if (Temporal.PlainDate.compare(month.toPlainDate({ day: 1 }), end) > 0) break;
      const date =
        rule.ordinal !== undefined
          ? nthWeekday(month, rule.byDay[0]!, rule.ordinal)
          : start.day <= month.daysInMonth
            ? month.toPlainDate({ day: start.day })
            : null;
      if (!push(date)) break;
    }
  }
  return out;
}

export interface SeriesOccurrence {
  /** The occurrence's start as the rule makes it (its RECURRENCE-ID, Graph originalStart). */
  originalStart: Date;
  start: Date;
  end: Date;
}

/**
 * The occurrences of a series from its first start (wall time in `timeZone`), in order: at most `limit` and none
 * starting after `horizonDate`, without the EXDATEs (given as the instants of the occurrences they remove).
 */
export function expandSeries(params: {
  rule: RecurrenceSubset;
  start: Date;
  end: Date;
  timeZone: string;
  exdates: Date[];
  limit: number;
  horizonDate: string;
}): SeriesOccurrence[] {
  const zone = params.timeZone;
  const local = Temporal.Instant.fromEpochMilliseconds(params.start.getTime()).toZonedDateTimeISO(zone);
  const durationMs = params.end.getTime() - params.start.getTime();
  const excluded = new Set(params.exdates.map((d) => d.getTime()));
  const dates = occurrenceDates(
    params.rule,
    local.toPlainDate().toString(),
    params.limit,
    params.horizonDate,
  );
  return dates.flatMap((date) => {
    const at = Temporal.PlainDate.from(date)
      .toPlainDateTime(local.toPlainTime())
      .toZonedDateTime(zone, { disambiguation: "compatible" }).epochMilliseconds;
    if (excluded.has(at)) return [];
    return [{ originalStart: new Date(at), start: new Date(at), end: new Date(at + durationMs) }];
  });
}

/** The event's first start as a local date in its zone (what Graph's range startDate and checks need). */
export function localDateOf(at: Date, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(at.getTime())
    .toZonedDateTimeISO(timeZone)
    .toPlainDate()
    .toString();
}

/** The local wall time (YYYY-MM-DDTHH:MM:SS) of an instant in a zone. */
export function localDateTimeOf(at: Date, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(at.getTime())
    .toZonedDateTimeISO(timeZone)
    .toPlainDateTime()
    .toString({ smallestUnit: "second" });
}
