import { atSetPositions } from "./calendar-days.ts";
import { civilFromDays, daysInMonth } from "./local-epoch.ts";
import type { ExpansionBudget, RuleExpansion } from "./recurrence-rule.ts";

const DAY = 86_400;
const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const UNIT: Record<string, number> = { SECONDLY: 1, MINUTELY: 60, HOURLY: 3600, DAILY: DAY, WEEKLY: 7 * DAY };
const KEYS = new Set(
  "FREQ INTERVAL COUNT WKST BYDAY BYMONTH BYMONTHDAY BYHOUR BYMINUTE BYSECOND BYSETPOS".split(" "),
);

interface Filters {
  byMonth: number[] | null;
  byMonthDay: number[] | null;
  byDay: number[] | null;
  byHour: number[] | null;
  byMinute: number[] | null;
  bySecond: number[] | null;
}

function list(text: string | undefined, min: number, max: number, signed = false): number[] | null | false {
  if (text === undefined) return null;
  const values = text.split(",").map(Number);
  const valid = values.every(
    (v) => Number.isInteger(v) && (signed ? Math.abs(v) >= min && Math.abs(v) <= max : v >= min && v <= max),
  );
  return valid ? values : false;
}

function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** Does a candidate pass every BY filter? Expanded parts pass by construction, so all can be checked alike. */
function passes(filters: Filters, local: number): boolean {
  const day = Math.floor(local / DAY);
  if (filters.byDay && !filters.byDay.includes(weekdayOf(day))) return false;
  if (filters.byMonth || filters.byMonthDay) {
    const [year, month, dayOfMonth] = civilFromDays(day);
    if (filters.byMonth && !filters.byMonth.includes(month)) return false;
    if (filters.byMonthDay) {
      const length = daysInMonth(year, month);
      if (!filters.byMonthDay.some((d) => (d > 0 ? d : length + d + 1) === dayOfMonth)) return false;
    }
  }
  const rest = local - day * DAY;
  if (filters.byHour && !filters.byHour.includes(Math.floor(rest / 3600))) return false;
  if (filters.byMinute && !filters.byMinute.includes(Math.floor((rest % 3600) / 60))) return false;
  return !filters.bySecond || filters.bySecond.includes(rest % 60);
}

const product = (a: number[], b: number[]): number[] => a.flatMap((x) => b.map((y) => x + y));

/**
 * FREQ=SECONDLY to WEEKLY in closed form, with BYMONTH, BYMONTHDAY, BYDAY (weekdays), BYHOUR, BYMINUTE,
 * BYSECOND and BYSETPOS (RFC 5545 section 3.3.10: parts finer than FREQ expand, coarser ones limit). Each period is a few
 * additions, so a rule nothing can satisfy (FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30) just spends the step budget;
 * ical.js loops forever inside one call on such a rule. Returns null for other shapes.
 */
export function expandShortPeriodRule(params: {
  parts: Map<string, string>;
  startLocal: number;
  end: number;
  collectFrom: number;
  budget: ExpansionBudget;
}): RuleExpansion | null {
  const { parts, startLocal, end, collectFrom, budget } = params;
  const freq = parts.get("FREQ") ?? "";
  const unit = UNIT[freq];
  if (unit === undefined || [...parts.keys()].some((key) => !KEYS.has(key))) return null;
  const byDayText = parts.get("BYDAY");
  const byDay = byDayText === undefined ? null : byDayText.split(",").map((day) => WEEKDAYS.indexOf(day));
  const filters = {
    byMonth: list(parts.get("BYMONTH"), 1, 12),
    byMonthDay: list(parts.get("BYMONTHDAY"), 1, 31, true),
    byDay,
    byHour: list(parts.get("BYHOUR"), 0, 23),
    byMinute: list(parts.get("BYMINUTE"), 0, 59),
    bySecond: list(parts.get("BYSECOND"), 0, 59),
  };
  const interval = Number(parts.get("INTERVAL") ?? "1");
  const countText = parts.get("COUNT");
  const count = countText === undefined ? null : Number(countText);
  const weekStart = WEEKDAYS.indexOf(parts.get("WKST") ?? "MO");
  const bySetPos = list(parts.get("BYSETPOS"), 1, 366, true);
  if (Object.values(filters).some((value) => value === false) || byDay?.some((day) => day < 0)) return null;
  if (bySetPos === false) return null;
  if (!Number.isInteger(interval) || interval < 1 || weekStart < 0) return null;
  if (count !== null && (!Number.isInteger(count) || count < 0)) return null;
  if (freq === "WEEKLY" && filters.byMonthDay) return null;
  const checked = filters as Filters;

  // Offsets within one period: parts finer than FREQ expand (default: DTSTART's value), from the period start.
  const rest = ((startLocal % DAY) + DAY) % DAY;
  const [h0, m0, s0] = [Math.floor(rest / 3600), Math.floor((rest % 3600) / 60), rest % 60];
  const seconds = checked.bySecond ?? [s0];
  const minutes = product(
    (checked.byMinute ?? [m0]).map((m) => m * 60),
    seconds,
  );
  const times = product(
    (checked.byHour ?? [h0]).map((h) => h * 3600),
    minutes,
  );
  let periodStart: number;
  let offsets: number[];
  if (freq === "WEEKLY") {
    const startDay = Math.floor(startLocal / DAY);
    periodStart = (startDay - ((weekdayOf(startDay) - weekStart + 7) % 7)) * DAY;
    const days = [...new Set(byDay ?? [weekdayOf(startDay)])].map((day) => ((day - weekStart + 7) % 7) * DAY);
    offsets = product(days, times);
  } else {
    periodStart = Math.floor(startLocal / unit) * unit;
    offsets = freq === "DAILY" ? times : freq === "HOURLY" ? minutes : freq === "MINUTELY" ? seconds : [0];
  }
  offsets = [...new Set(offsets)].sort((a, b) => a - b);
  const period = unit * interval;
  const skip = count === null ? Math.max(0, Math.floor((collectFrom - periodStart) / period) - 1) : 0;

  const starts: number[] = [];
  let emitted = 0;
  const candidates: number[] = [];
  for (let base = periodStart + skip * period; base <= end; base += period) {
    // BYSETPOS picks from the whole period's set, including the part of the first period before DTSTART.
    candidates.length = 0;
    for (const offset of offsets) {
      const local = base + offset;
      if (bySetPos === null && local < startLocal) continue;
      if (bySetPos === null && local > end) break;
      if (budget.steps <= 0) return { starts, capped: true, error: null };
      budget.steps--;
      if (passes(checked, local)) candidates.push(local);
    }
    for (const local of bySetPos ? atSetPositions(candidates, bySetPos) : candidates) {
      if (local < startLocal) continue;
      if (local > end) return { starts, capped: false, error: null };
      if (count !== null && emitted >= count) return { starts, capped: false, error: null };
      emitted++;
      if (local >= collectFrom) starts.push(local);
    }
    if (budget.steps <= 0) return { starts, capped: true, error: null };
    budget.steps--;
  }
  return { starts, capped: false, error: null };
}
