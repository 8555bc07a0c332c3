import { Temporal } from "temporal-polyfill";
import { type IcalProperty, singleTextParam } from "./content-line.ts";
import { daysInMonth, wallSeconds } from "./local-epoch.ts";
import { err, ok, type Result } from "./result.ts";

/** Where a DATE-TIME lives: UTC (`Z`), a TZID (resolved later), or floating (RFC 5545 section 3.3.5 form 1). */
export type ZoneRef = { type: "utc" } | { type: "tzid"; tzid: string } | { type: "floating" };

/** A DATE or DATE-TIME value as written, as wall-clock seconds (see local-epoch.ts); no zone is applied yet. */
export type IcalTime = { kind: "date"; local: number } | { kind: "date-time"; local: number; zone: ZoneRef };

/** An RDATE value: a single time, or a PERIOD with its own end (RFC 5545 section 3.3.9). */
export interface IcalRdate {
  start: IcalTime;
  end: IcalTime | null;
  duration: Temporal.Duration | null;
}

const DATE = /^(\d{4})(\d{2})(\d{2})$/;
const DATE_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/i;

function parseOne(text: string, zone: ZoneRef): IcalTime | null {
  const value = text.trim();
  const match = DATE.exec(value) ?? DATE_TIME.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (match.length === 4) return { kind: "date", local: wallSeconds(year, month, day) };
  const [hour, minute, second] = [Number(match[4]), Number(match[5]), Number(match[6])];
  // Second 60 (a leap second) is allowed by RFC 5545; it is read as :59.
  if (hour > 23 || minute > 59 || second > 60) return null;
  const local = wallSeconds(year, month, day, hour, minute, Math.min(second, 59));
  return { kind: "date-time", local, zone: match[7] ? { type: "utc" } : zone };
}

function zoneOf(property: IcalProperty): ZoneRef {
  const tzid = singleTextParam(property, "TZID");
  return tzid && tzid.trim() !== "" ? { type: "tzid", tzid: tzid.trim() } : { type: "floating" };
}

/** Read a DTSTART/DTEND/RECURRENCE-ID style value. VALUE=DATE is inferred from the form when absent. */
export function readTime(property: IcalProperty): Result<IcalTime, string> {
  const time = parseOne(property.value, zoneOf(property));
  return time ? ok(time) : err(`${property.name} has an invalid date or date-time "${property.value}"`);
}

/** Read the comma-separated list of an EXDATE or RDATE; RDATE may hold PERIODs. */
export function readTimeList(property: IcalProperty): Result<IcalRdate[], string> {
  const zone = zoneOf(property);
  const values: IcalRdate[] = [];
  for (const part of property.value.split(",")) {
    if (part.trim() === "") continue;
    const slash = part.indexOf("/");
    const start = parseOne(slash < 0 ? part : part.slice(0, slash), zone);
    if (!start) return err(`${property.name} has an invalid value "${part}"`);
    if (slash < 0) {
      values.push({ start, end: null, duration: null });
      continue;
    }
    const rest = part.slice(slash + 1).trim();
    const end = parseOne(rest, zone);
    const duration = end ? null : readDuration(rest);
    if (!end && !duration) return err(`${property.name} has an invalid PERIOD "${part}"`);
    values.push({ start, end, duration });
  }
  return ok(values);
}

/** Parse an RFC 5545 DURATION (section 3.3.6), e.g. `PT1H30M`, `-P1D`, `P2W`; null when invalid. */
export function readDuration(text: string): Temporal.Duration | null {
  const value = text.trim().toUpperCase();
  if (!/^[+-]?P/.test(value)) return null;
  try {
    return Temporal.Duration.from(value.startsWith("+") ? value.slice(1) : value);
  } catch {
    return null;
  }
}
