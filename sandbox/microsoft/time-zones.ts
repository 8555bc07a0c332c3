import { Temporal } from "temporal-polyfill";
import { GraphError } from "./graph-errors.ts";

/**
 * Windows zone names are Graph's default currency (fidelity trap 4). This is the subset of CLDR
 * windowsZones ("001" territory) the sandbox accepts; IANA names and "UTC" are accepted as well.
 */
const WINDOWS_TO_IANA: Record<string, string> = {
  UTC: "UTC",
  "Coordinated Universal Time": "UTC",
  "Dateline Standard Time": "Etc/GMT+12",
  "Hawaiian Standard Time": "Pacific/Honolulu",
  "Alaskan Standard Time": "America/Anchorage",
  "Pacific Standard Time": "America/Los_Angeles",
  "US Mountain Standard Time": "America/Phoenix",
  "Mountain Standard Time": "America/Denver",
  "Central Standard Time": "America/Chicago",
  "Eastern Standard Time": "America/New_York",
  "Atlantic Standard Time": "America/Halifax",
  "E. South America Standard Time": "America/Sao_Paulo",
  "GMT Standard Time": "Europe/London",
  "Greenwich Standard Time": "Atlantic/Reykjavik",
  "W. Europe Standard Time": "Europe/Berlin",
  "Romance Standard Time": "Europe/Paris",
  "Central Europe Standard Time": "Europe/Budapest",
  "Central European Standard Time": "Europe/Warsaw",
  "E. Europe Standard Time": "Europe/Chisinau",
  "FLE Standard Time": "Europe/Kiev",
  "GTB Standard Time": "Europe/Bucharest",
  "Russian Standard Time": "Europe/Moscow",
  "Israel Standard Time": "Asia/Jerusalem",
  "South Africa Standard Time": "Africa/Johannesburg",
  "Arabian Standard Time": "Asia/Dubai",
  "India Standard Time": "Asia/Calcutta",
  "China Standard Time": "Asia/Shanghai",
  "Singapore Standard Time": "Asia/Singapore",
  "Tokyo Standard Time": "Asia/Tokyo",
  "Korea Standard Time": "Asia/Seoul",
  "AUS Eastern Standard Time": "Australia/Sydney",
  "New Zealand Standard Time": "Pacific/Auckland",
};

/** Resolves a Windows or IANA zone name to an IANA id, or throws the Graph 400 for unknown zones. */
export function resolveTimeZone(name: string): string {
  const mapped = WINDOWS_TO_IANA[name];
  if (mapped) return mapped;
  try {
    return new Temporal.ZonedDateTime(0n, name).timeZoneId;
  } catch {
    throw new GraphError({
      status: 400,
      code: "TimeZoneNotSupportedException",
      message: `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${name}'.`,
    });
  }
}

export function isKnownTimeZone(name: string): boolean {
  try {
    resolveTimeZone(name);
    return true;
  } catch {
    return false;
  }
}

/** Graph writes local date-times with 7 fractional digits and no offset: 2017-04-15T11:00:00.0000000. */
export function formatGraphDateTime(value: Temporal.PlainDateTime): string {
  return value.toString({ smallestUnit: "second" }) + ".0000000";
}

/** Request values may carry fewer digits or an offset/Z; the local part is what counts. */
export function parseGraphDateTime(value: string): Temporal.PlainDateTime {
  const trimmed = value.replace(/(Z|[+-]\d\d:\d\d)$/, "");
  try {
    return Temporal.PlainDateTime.from(trimmed);
  } catch {
    throw new GraphError({
      status: 400,
      code: "ErrorInvalidRequest",
      message: `Cannot convert the literal '${value}' to the expected type 'Edm.DateTime'.`,
    });
  }
}

export function epochMsOf(params: { dateTime: string; timeZone: string }): number {
  const zone = resolveTimeZone(params.timeZone);
  return parseGraphDateTime(params.dateTime).toZonedDateTime(zone).epochMilliseconds;
}

export function dateTimeInZone(epochMs: number, timeZone: string): { dateTime: string; timeZone: string } {
  const zone = resolveTimeZone(timeZone);
  const local = Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone).toPlainDateTime();
  return { dateTime: formatGraphDateTime(local), timeZone };
}

/** UTC instants as Graph writes DateTimeOffset values: 2030-01-15T09:00:00Z. */
export function utcOffsetString(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** createdDateTime / lastModifiedDateTime: UTC with 7 fractional digits. */
export function utcSevenDigits(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/Z$/, "0000Z");
}

/**
 * Query-string windows (calendarView startDateTime/endDateTime): an offset is honoured and a value
 * without one means UTC; `Prefer: outlook.timezone` does not change this (reference 2.4).
 */
export function parseWindowBound(value: string | null, name: string): number {
  if (!value) {
    throw new GraphError({
      status: 400,
      code: "ErrorInvalidParameter",
      message: `This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.`,
    });
  }
  const withZone = /(Z|[+-]\d\d:\d\d)$/i.test(value) ? value : `${value}Z`;
  const ms = Date.parse(withZone);
  if (Number.isNaN(ms)) {
    throw new GraphError({
      status: 400,
      code: "ErrorInvalidParameter",
      message: `The parameter '${name}' does not represent a valid DateTime value.`,
    });
  }
  return ms;
}
