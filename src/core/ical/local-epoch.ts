import { Temporal } from "temporal-polyfill";

// Wall-clock values are handled as "seconds since 1970-01-01T00:00 on the same wall clock": plain numbers, fast
// to compare and shift, and independent of the process time zone (only the UTC methods of Date are used).

export function localToEpochSeconds(local: Temporal.PlainDateTime): number {
  const date = new Date(0);
  date.setUTCFullYear(local.year, local.month - 1, local.day);
  date.setUTCHours(local.hour, local.minute, local.second, 0);
  return Math.floor(date.getTime() / 1000);
}

export function epochSecondsToLocal(seconds: number): Temporal.PlainDateTime {
  const date = new Date(seconds * 1000);
  return new Temporal.PlainDateTime(
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  );
}

const pad = (value: number, width = 2): string => String(value).padStart(width, "0");

/** `YYYY-MM-DDTHH:MM:SS` of a wall-clock epoch value (append `Z` for UTC). */
export function formatLocalSeconds(seconds: number): string {
  const date = new Date(seconds * 1000);
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

/** `YYYY-MM-DD` of a wall-clock epoch value. */
export function formatDateSeconds(seconds: number): string {
  return formatLocalSeconds(seconds).slice(0, 10);
}
