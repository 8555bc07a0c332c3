const DAY = 86_400;
const FIXED_PERIOD: Record<string, number> = {
  SECONDLY: 1,
  MINUTELY: 60,
  HOURLY: 3600,
  DAILY: DAY,
  WEEKLY: 7 * DAY,
};

/**
 * A later DTSTART for iterating a rule without COUNT, so that ical.js (20-60 µs a step) does not walk years
 * of history to reach the requested range. The jump is a whole number of periods (INTERVAL x FREQ), which
 * keeps weekday, week parity and time of day, and ends at least one period before `collectFrom`: anything the
 * shortened first period loses, or a first instance it adds, lies before the range. MONTHLY/YEARLY rules must
 * already carry their day parts explicitly (see withImplicitDayParts), as the day of month is clamped to 28.
 */
export function jumpedStart(params: { ruleText: string; startLocal: number; collectFrom: number }): number {
  const { ruleText, startLocal, collectFrom } = params;
  if (/(?:^|;)COUNT=/i.test(ruleText) || !Number.isFinite(collectFrom) || collectFrom <= startLocal) {
    return startLocal;
  }
  const freq = /(?:^|;)FREQ=([A-Z]+)/i.exec(ruleText)?.[1]?.toUpperCase() ?? "";
  const interval = Math.max(1, Number(/(?:^|;)INTERVAL=(\d+)/i.exec(ruleText)?.[1] ?? "1"));
  const fixed = FIXED_PERIOD[freq];
  if (fixed !== undefined) {
    const period = fixed * interval;
    const periods = Math.floor((collectFrom - startLocal) / period) - 1;
    return periods > 0 ? startLocal + periods * period : startLocal;
  }
  const monthsPerPeriod = (freq === "YEARLY" ? 12 : freq === "MONTHLY" ? 1 : 0) * interval;
  if (monthsPerPeriod === 0) return startLocal;
  const start = new Date(startLocal * 1000);
  const target = new Date(collectFrom * 1000);
  const monthsBetween =
    (target.getUTCFullYear() - start.getUTCFullYear()) * 12 + (target.getUTCMonth() - start.getUTCMonth());
  const periods = Math.floor(monthsBetween / monthsPerPeriod) - 2;
  if (periods <= 0) return startLocal;
  const jumped = new Date(startLocal * 1000);
  jumped.setUTCFullYear(
    start.getUTCFullYear(),
    start.getUTCMonth() + periods * monthsPerPeriod,
    Math.min(start.getUTCDate(), 28),
  );
  return jumped.getTime() / 1000;
}
