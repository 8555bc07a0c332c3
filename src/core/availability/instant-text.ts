import { daysFromCivil } from "../ical/local-epoch.ts";
import { DAY_MS, formatUtcInstant, isoDateFromEpochDay, MINUTE_MS } from "./wall-time.ts";

/**
 * Fast paths for the instant strings the engine reads and writes: Date.parse and toISOString cost about
 * a microsecond each, which dominated the single-host benchmark before these.
 */

function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return Number.NaN;
    value = value * 10 + code;
  }
  return value;
}

/**
 * Epoch ms of a validated ISO 8601 instant. The UTC forms `YYYY-MM-DDTHH:MM:SSZ` and
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (Date#toISOString, what callers building requests in code produce) are read
 * without Date.parse; anything else (offsets, other precisions) goes through it.
 */
export function parseInstant(text: string): number {
  const length = text.length;
  const utcForm = length === 20 || (length === 24 && text[19] === ".");
  if (utcForm && text[length - 1] === "Z") {
    const days = daysFromCivil(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2));
    const seconds = digits(text, 11, 2) * 3600 + digits(text, 14, 2) * 60 + digits(text, 17, 2);
    const millis = length === 24 ? digits(text, 20, 3) : 0;
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
