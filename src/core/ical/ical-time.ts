import { Temporal } from "temporal-polyfill";
import { type IcalProperty, paramValue } from "./content-line.ts";
import { err, ok, type Result } from "./result.ts";

/** Where a DATE-TIME lives: UTC (`Z`), a TZID (resolved later), or floating (RFC 5545 section 3.3.5 form 1). */
export type ZoneRef = { type: "utc" } | { type: "tzid"; tzid: string } | { type: "floating" };

/** A DATE or DATE-TIME value as written; no time zone is applied yet. */
export type IcalTime =
  | { kind: "date"; date: Temporal.PlainDate }
  | { kind: "date-time"; local: Temporal.PlainDateTime; zone: ZoneRef };

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
  const date = DATE.exec(value);
  try {
    if (date) {
      return {
        kind: "date",
        date: Temporal.PlainDate.from(
          { year: Number(date[1]), month: Number(date[2]), day: Number(date[3]) },
          { overflow: "reject" },
        ),
      };
    }
    const dt = DATE_TIME.exec(value);
    if (!dt) return null;
    // Second 60 (a leap second) is allowed by RFC 5545 but not by Temporal; clamp it.
    const local = Temporal.PlainDateTime.from(
      {
        year: Number(dt[1]),
        month: Number(dt[2]),
        day: Number(dt[3]),
        hour: Number(dt[4]),
        minute: Number(dt[5]),
        second: Math.min(Number(dt[6]), 59),
      },
      { overflow: "reject" },
    );
    return { kind: "date-time", local, zone: dt[7] ? { type: "utc" } : zone };
  } catch {
    return null;
  }
}

function zoneOf(property: IcalProperty): ZoneRef {
  const tzid = paramValue(property, "TZID");
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
