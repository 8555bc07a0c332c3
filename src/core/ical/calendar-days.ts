const DAY_MS = 86_400_000;

/** Monday = 0 ... Sunday = 6 for a day number (days since 1970-01-01, a Thursday). */
export function weekdayOfDay(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

function dayNumber(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return Math.round(date.getTime() / DAY_MS);
}

export interface WeekdayRule {
  ordinal: number;
  weekday: number;
}

/**
 * Day numbers of one month for FREQ=MONTHLY (or YEARLY by month days): BYMONTHDAY (negative counts from the
 * end; days the month lacks are skipped, RFC 5545 section 3.3.10) and BYDAY (ordinals within the month); with
 * both, only days in both. Sorted.
 */
export function monthDays(params: {
  year: number;
  month: number;
  byMonthDay: number[] | null;
  byDay: WeekdayRule[] | null;
}): number[] {
  const { year, month, byMonthDay, byDay } = params;
  const first = dayNumber(year, month, 1);
  const length = dayNumber(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - first;
  let days: number[] | null = null;
  if (byMonthDay) {
    days = [];
    for (const value of byMonthDay) {
      const day = value > 0 ? value : length + value + 1;
      if (day >= 1 && day <= length) days.push(first + day - 1);
    }
  }
  if (byDay) {
    const matches = byDay.flatMap((entry) => matching(first, first + length - 1, entry));
    days = days ? days.filter((day) => matches.includes(day)) : matches;
  }
  return [...new Set(days ?? [])].sort((a, b) => a - b);
}

/** The days of [first, last] that match one BYDAY entry: all such weekdays, or the n-th (from the end if < 0). */
function matching(first: number, last: number, entry: WeekdayRule): number[] {
  const firstMatch = first + ((entry.weekday - weekdayOfDay(first) + 7) % 7);
  const all: number[] = [];
  for (let day = firstMatch; day <= last; day += 7) all.push(day);
  if (entry.ordinal === 0) return all;
  const picked = entry.ordinal > 0 ? all[entry.ordinal - 1] : all[all.length + entry.ordinal];
  return picked === undefined ? [] : [picked];
}

/** First day of week 1 (RFC 5545 BYWEEKNO: the first week with at least four days of the year). */
function firstWeekStart(year: number, weekStart: number): number {
  const january1 = dayNumber(year, 1, 1);
  const offset = (weekdayOfDay(january1) - weekStart + 7) % 7;
  return offset <= 3 ? january1 - offset : january1 - offset + 7;
}

/**
 * Day numbers of one year for FREQ=YEARLY with BYDAY (ordinal or not) and optionally BYMONTH, or BYWEEKNO
 * with optional BYDAY, sorted. ical.js reads only one digit of a BYDAY ordinal (BYDAY=20MO became every
 * Monday) and does not implement BYWEEKNO with BYDAY, so these are computed here.
 */
export function yearlyDays(params: {
  year: number;
  byDay: WeekdayRule[];
  byMonth: number[] | null;
  byWeekNo: number[] | null;
  weekStart: number;
}): number[] {
  const { year, byDay, byMonth, byWeekNo, weekStart } = params;
  const days: number[] = [];
  if (byWeekNo) {
    const week1 = firstWeekStart(year, weekStart);
    const weeks = (firstWeekStart(year + 1, weekStart) - week1) / 7;
    for (const number of byWeekNo) {
      if (number === 0 || Math.abs(number) > weeks) continue;
      const start = week1 + ((number > 0 ? number : weeks + number + 1) - 1) * 7;
      for (const entry of byDay) days.push(start + ((entry.weekday - weekStart + 7) % 7));
    }
    const filtered = byMonth
      ? days.filter((day) => byMonth.includes(new Date(day * DAY_MS).getUTCMonth() + 1))
      : days;
    return [...new Set(filtered)].sort((a, b) => a - b);
  }
  const ranges: Array<[number, number]> = byMonth
    ? byMonth.map((month) => [dayNumber(year, month, 1), dayNumber(year, month + 1, 1) - 1])
    : [[dayNumber(year, 1, 1), dayNumber(year + 1, 1, 1) - 1]];
  for (const [first, last] of ranges) for (const entry of byDay) days.push(...matching(first, last, entry));
  return [...new Set(days)].sort((a, b) => a - b);
}

/**
 * BYSETPOS (RFC 5545 section 3.3.10): the n-th members of one period's sorted set, counted from the end when
 * n < 0, sorted. Positions past either end select nothing.
 */
export function atSetPositions(sorted: number[], positions: number[]): number[] {
  const picked = new Set<number>();
  for (const position of positions) {
    const value = position > 0 ? sorted[position - 1] : sorted[sorted.length + position];
    if (value !== undefined) picked.add(value);
  }
  return [...picked].sort((a, b) => a - b);
}
