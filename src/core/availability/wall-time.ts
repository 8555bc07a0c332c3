/**
 * Integer arithmetic on calendar dates and wall-clock times. The engine never calls Temporal in a hot
 * loop: a local date is an "epoch day" (days since 1970-01-01) and a local wall time is "local
 * milliseconds" (epoch day × DAY_MS + time of day), converted to instants through `zone-offsets.ts`.
 */
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Weekday keys in ISO order: index 0 is Monday, as in ISO 8601 week numbering. */
export const WEEKDAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** "YYYY-MM-DD" (already validated) to days since 1970-01-01. */
export function epochDayFromIsoDate(date: string): number {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

export function isoDateFromEpochDay(epochDay: number): string {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Monday ... 6 = Sunday. 1970-01-01 was a Thursday (index 3). */
export function weekdayIndexOfEpochDay(epochDay: number): number {
  return (((epochDay + 3) % 7) + 7) % 7;
}

/** ISO weeks start on Monday; the index only needs to be equal for days of the same week. */
export function weekIndexOfEpochDay(epochDay: number): number {
  return Math.floor((epochDay + 3) / 7);
}

/** "HH:MM" (already validated, "24:00" allowed) to minutes after midnight. */
export function minutesFromClock(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

/** UTC ISO 8601 without fractional seconds: `YYYY-MM-DDTHH:MM:SSZ`, the engine's output format. */
export function formatUtcInstant(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}

/** Local wall time as "YYYY-MM-DDTHH:MM" for messages. */
export function formatLocalWallTime(localMs: number): string {
  return new Date(localMs).toISOString().slice(0, 16);
}
