import { atSetPositions, monthDays, type WeekdayRule, yearlyDays } from "./calendar-days.ts";
import type { ExpansionBudget, RuleExpansion } from "./recurrence-rule.ts";
import { expandShortPeriodRule } from "./short-period-recurrence.ts";

const DAY = 86_400;
const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const SIMPLE_KEYS = new Set("FREQ INTERVAL COUNT WKST BYDAY BYMONTH BYWEEKNO BYMONTHDAY BYSETPOS".split(" "));

/** Monday = 0 ... Sunday = 6, for wall-clock epoch seconds (1970-01-01 was a Thursday). */
function weekday(localSeconds: number): number {
  return (((Math.floor(localSeconds / DAY) + 3) % 7) + 7) % 7;
}

interface SimpleRule {
  freq: string;
  interval: number;
  count: number | null;
  weekStart: number;
  /** BYSETPOS: positions (from the end when negative) within each period's sorted set of days. */
  bySetPos: number[] | null;
  yearly: { byDay: WeekdayRule[] | null; byMonth: number[] | null; byWeekNo: number[] | null } | null;
  /** MONTHLY, or YEARLY by month days: months per period, allowed months, month days and weekdays. */
  monthly: {
    months: number;
    byMonth: number[] | null;
    byMonthDay: number[] | null;
    byDay: WeekdayRule[] | null;
  } | null;
}

function weekdayRules(text: string | undefined, maxOrdinal: number): WeekdayRule[] | null | false {
  if (text === undefined) return null;
  const rules: WeekdayRule[] = [];
  for (const entry of text.split(",")) {
    const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(entry);
    if (!match) return false;
    const ordinal = Number(match[1] ?? 0);
    if (Math.abs(ordinal) > maxOrdinal) return false;
    rules.push({ ordinal, weekday: WEEKDAYS.indexOf(match[2]!) });
  }
  return rules;
}

/**
 * MONTHLY with BYMONTHDAY and/or BYDAY (ordinals within the month) and optional BYMONTH; YEARLY with BYMONTH
 * and/or BYMONTHDAY, and plain weekdays limiting BYMONTHDAY. Missing day parts come from DTSTART (section
 * 3.3.10): the day of month, and for YEARLY without BYMONTHDAY the month too. YEARLY;BYMONTHDAY=1 is the 1st
 * of every month (BYMONTHDAY expands a year), as in dateutil; ical.js kept DTSTART's month. Null otherwise.
 */
function readMonthly(parts: Map<string, string>, freq: string, startLocal: number): SimpleRule["monthly"] {
  const byMonth = numberList(parts.get("BYMONTH"), 1, 12);
  const byMonthDay = numberList(parts.get("BYMONTHDAY"), 1, 31);
  const byDay = weekdayRules(parts.get("BYDAY"), 5);
  if (byMonth === false || byMonthDay === false || byDay === false || byMonth?.some((m) => m < 0))
    return null;
  // YEARLY BYDAY ordinals count within the year unless BYMONTH is given: readYearly's case, not this one.
  const yearlyWeekdays = freq === "YEARLY" && byDay && (!byMonthDay || byDay.some((d) => d.ordinal !== 0));
  if (parts.has("BYWEEKNO") || yearlyWeekdays) return null;
  const start = new Date(startLocal * 1000);
  const implicitDay = !byMonthDay && !byDay ? [start.getUTCDate()] : byMonthDay;
  const implicitMonth = freq === "YEARLY" && !byMonth && !byMonthDay ? [start.getUTCMonth() + 1] : byMonth;
  return { months: freq === "YEARLY" ? 12 : 1, byMonth: implicitMonth, byMonthDay: implicitDay, byDay };
}

function numberList(text: string | undefined, min: number, max: number): number[] | null | false {
  if (text === undefined) return null;
  const values = text.split(",").map(Number);
  return values.every((v) => Number.isInteger(v) && Math.abs(v) >= min && Math.abs(v) <= max)
    ? values
    : false;
}

/** YEARLY with BYDAY (+ BYMONTH) or BYWEEKNO (+ BYDAY); null when the rule has another shape. */
function readYearly(parts: Map<string, string>): SimpleRule["yearly"] {
  const byMonth = numberList(parts.get("BYMONTH"), 1, 12);
  const byWeekNo = numberList(parts.get("BYWEEKNO"), 1, 53);
  if (byMonth === false || byWeekNo === false || byMonth?.some((m) => m < 0)) return null;
  const byDay = weekdayRules(parts.get("BYDAY"), byMonth ? 5 : 53);
  if (byDay === false || (byWeekNo && byDay?.some((entry) => entry.ordinal !== 0))) return null;
  if (!byDay && !byWeekNo) return null;
  return { byDay, byMonth, byWeekNo };
}

function ruleParts(text: string): Map<string, string> | null {
  const parts = new Map<string, string>();
  for (const part of text.split(";")) {
    const [key, value] = part.split("=");
    if (!key || value === undefined) return null;
    parts.set(key.toUpperCase(), value.toUpperCase());
  }
  return parts;
}

function readSimpleRule(parts: Map<string, string>, startLocal: number): SimpleRule | null {
  for (const key of parts.keys()) if (!SIMPLE_KEYS.has(key)) return null;
  const freq = parts.get("FREQ") ?? "";
  const yearly = freq === "YEARLY" && !parts.has("BYMONTHDAY") ? readYearly(parts) : null;
  const monthly =
    (freq === "MONTHLY" || freq === "YEARLY") && !yearly ? readMonthly(parts, freq, startLocal) : null;
  if (!yearly && !monthly) return null;
  const interval = Number(parts.get("INTERVAL") ?? "1");
  const countText = parts.get("COUNT");
  const count = countText === undefined ? null : Number(countText);
  const weekStart = WEEKDAYS.indexOf(parts.get("WKST") ?? "MO");
  if (!Number.isInteger(interval) || interval < 1 || weekStart < 0) return null;
  if (count !== null && (!Number.isInteger(count) || count < 0)) return null;
  const bySetPos = numberList(parts.get("BYSETPOS"), 1, 366);
  if (bySetPos === false) return null;
  return { freq, interval, count, weekStart, bySetPos, yearly, monthly };
}

/**
 * Most rules in closed form: SECONDLY to WEEKLY (short-period-recurrence.ts), MONTHLY and YEARLY by month
 * days, weekdays with ordinals, months and week numbers. ical.js takes 20-60 µs per iterator step (a 5 MB
 * feed of daily series took seconds) and has gaps (see calendar-days.ts); this is arithmetic, and jumps
 * straight to the requested range when there is no COUNT. Null for other shapes (BYYEARDAY, BYHOUR, ...).
 */
export function expandSimpleRule(params: {
  ruleText: string;
  startLocal: number;
  untilLocal: number | null;
  collectFrom: number;
  limit: number;
  budget: ExpansionBudget;
}): RuleExpansion | null {
  const { startLocal, collectFrom, budget } = params;
  const end = Math.min(params.limit, params.untilLocal ?? Number.POSITIVE_INFINITY);
  const parts = ruleParts(params.ruleText);
  if (!parts) return null;
  const shortPeriod = expandShortPeriodRule({ parts, startLocal, end, collectFrom, budget });
  if (shortPeriod) return shortPeriod;
  const rule = readSimpleRule(parts, startLocal);
  if (!rule) return null;
  const starts: number[] = [];
  let emitted = 0;
  // Returns false to stop: COUNT reached, or budget spent.
  const consider = (local: number): boolean => {
    if (budget.steps <= 0) return false;
    budget.steps--;
    if (rule.count !== null && emitted >= rule.count) return false;
    emitted++;
    if (local >= collectFrom) starts.push(local);
    return true;
  };
  // MONTHLY and YEARLY: each period yields a sorted list of days, at DTSTART's time of day. Returns the
  // result to stop with, or null to go on with the next period.
  const timeOfDay = ((startLocal % DAY) + DAY) % DAY;
  const walkDays = (periodDays: number[]): RuleExpansion | null => {
    const days = rule.bySetPos ? atSetPositions(periodDays, rule.bySetPos) : periodDays;
    for (const day of days) {
      const local = day * DAY + timeOfDay;
      if (local < startLocal) continue;
      if (local > end) return { starts, capped: false, error: null };
      if (!consider(local)) return { starts, capped: budget.steps <= 0, error: null };
    }
    if (budget.steps <= 0) return { starts, capped: true, error: null };
    budget.steps--;
    return null;
  };
  const startDate = new Date(startLocal * 1000);
  const targetDate = new Date(Math.max(collectFrom, startLocal) * 1000);
  const endDate = new Date(Math.min(end, 8e12) * 1000);
  if (rule.monthly) {
    const { months, byMonth, byMonthDay, byDay } = rule.monthly;
    const monthIndex = (date: Date) => date.getUTCFullYear() * 12 + date.getUTCMonth();
    const period = months * rule.interval;
    // INTERVAL counts whole periods from DTSTART's: its month, or for YEARLY its year from January, so
    // YEARLY;INTERVAL=2;BYMONTH=1,2,3 from March 1997 continues in January 1999, not January 1998.
    const firstPeriod = months === 12 ? startDate.getUTCFullYear() * 12 : monthIndex(startDate);
    const skip =
      rule.count === null ? Math.max(0, Math.floor((monthIndex(targetDate) - firstPeriod) / period) - 1) : 0;
    for (let first = firstPeriod + skip * period; first <= monthIndex(endDate); first += period) {
      const days: number[] = [];
      for (let index = first; index < first + months; index++) {
        const [year, month] = [Math.floor(index / 12), (index % 12) + 1];
        if (!byMonth || byMonth.includes(month)) days.push(...monthDays({ year, month, byMonthDay, byDay }));
      }
      const stop = walkDays(days);
      if (stop) return stop;
    }
    return { starts, capped: false, error: null };
  }
  if (rule.yearly) {
    const { byMonth, byWeekNo } = rule.yearly;
    const byDay = rule.yearly.byDay ?? [{ ordinal: 0, weekday: weekday(startLocal) }];
    const startYear = startDate.getUTCFullYear();
    const skip =
      rule.count === null
        ? Math.max(0, Math.floor((targetDate.getUTCFullYear() - startYear) / rule.interval) - 1)
        : 0;
    for (
      let year = startYear + skip * rule.interval;
      year <= endDate.getUTCFullYear() + 1;
      year += rule.interval
    ) {
      const stop = walkDays(yearlyDays({ year, byDay, byMonth, byWeekNo, weekStart: rule.weekStart }));
      if (stop) return stop;
    }
    return { starts, capped: false, error: null };
  }
  return null;
}
