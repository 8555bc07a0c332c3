import { daysFromCivil } from "../ical/local-epoch.ts";
import { DAY_MS, formatUtcInstant, isoDateFromEpochDay, MINUTE_MS } from "./wall-time.ts";

/**
 * Fast paths for the instant strings the engine reads and writes: Date.parse and toISOString cost about
 * a microsecond each, which dominated the single-host benchmark before these.
 */

/**
 * An instant as the engine's input gives it: ISO 8601 text, or epoch milliseconds (what code that already holds
 * times as numbers passes, with no formatting and parsing in between).
 */
export type Instant = string | number;

/** The decimal digit at `at`, or NaN, which then spreads through the arithmetic below. */
function digit(text: string, at: number): number {
  const value = text.charCodeAt(at) - 48;
  return value >= 0 && value <= 9 ? value : Number.NaN;
}

function twoDigits(text: string, at: number): number {
  return digit(text, at) * 10 + digit(text, at + 1);
}

/**
 * Epoch ms of a validated ISO 8601 instant. The UTC forms `YYYY-MM-DDTHH:MM:SSZ` and
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (Date#toISOString, what callers building requests in code produce) are read
 * without Date.parse; anything else (offsets, other precisions) goes through it.
 */
export function parseInstant(text: Instant): number {
  if (typeof text === "number") return text;
  const length = text.length;
  const utcForm = length === 20 || (length === 24 && text.charCodeAt(19) === 46); /* "." */
  if (utcForm && text.charCodeAt(length - 1) === 90 /* "Z" */) {
    const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
    const days = daysFromCivil(year, twoDigits(text, 5), twoDigits(text, 8));
    const seconds = twoDigits(text, 11) * 3600 + twoDigits(text, 14) * 60 + twoDigits(text, 17);
    const millis = length === 24 ? twoDigits(text, 20) * 10 + digit(text, 22) : 0;
    const value = days * DAY_MS + seconds * 1000 + millis;
    if (!Number.isNaN(value)) return value;
  }
  return Date.parse(text);
}

const minuteSuffixes: string[] = [];
function minuteSuffix(minuteOfDay: number): string {
  let suffix = minuteSuffixes[minuteOfDay];
  if (suffix === undefined) {
    const hours = String(Math.floor(minuteOfDay / 60)).padStart(2, "0");
    const minutes = String(minuteOfDay % 60).padStart(2, "0");
    suffix = `${hours}:${minutes}:00Z`;
    minuteSuffixes[minuteOfDay] = suffix;
  }
  return suffix;
}

/**
 * A formatter to `YYYY-MM-DDTHH:MM:SSZ` that builds each date prefix once: slots come sorted, so a
 * request's output touches a few dozen dates.
 */
export function createInstantFormatter(): (epochMs: number) => string {
  const prefixes = new Map<number, string>();
  return (epochMs) => {
    if (epochMs % MINUTE_MS !== 0) return formatUtcInstant(epochMs);
    const day = Math.floor(epochMs / DAY_MS);
    let prefix = prefixes.get(day);
    if (prefix === undefined) {
      prefix = `${isoDateFromEpochDay(day)}T`;
      prefixes.set(day, prefix);
    }
    return prefix + minuteSuffix((epochMs - day * DAY_MS) / MINUTE_MS);
  };
}
