import { Temporal } from "temporal-polyfill";

/** RFC 5545 §3.3.5 form 2 (UTC): `19980119T070000Z`. Sub-second precision is dropped. */
export function formatIcsUtc(instant: Temporal.Instant): string {
  return formatIcsLocal(instant.toZonedDateTimeISO("UTC").toPlainDateTime()) + "Z";
}

/** RFC 5545 §3.3.5 form 1/3 (floating or with TZID): `19980119T020000`. */
export function formatIcsLocal(dateTime: Temporal.PlainDateTime): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, "0");
  return (
    `${pad(dateTime.year, 4)}${pad(dateTime.month)}${pad(dateTime.day)}` +
    `T${pad(dateTime.hour)}${pad(dateTime.minute)}${pad(dateTime.second)}`
  );
}

/** RFC 5545 §3.3.14 UTC-OFFSET: `+0530`, `-0800`; seconds only when not zero (historic LMT offsets). */
export function formatIcsUtcOffset(offsetNanoseconds: number): string {
  const totalSeconds = Math.round(offsetNanoseconds / 1e9);
  const sign = totalSeconds < 0 ? "-" : "+";
  const abs = Math.abs(totalSeconds);
  const pad = (value: number): string => String(value).padStart(2, "0");
  const seconds = abs % 60;
  return `${sign}${pad(Math.floor(abs / 3600))}${pad(Math.floor((abs % 3600) / 60))}${seconds ? pad(seconds) : ""}`;
}

/** Wall-clock time of an instant at a fixed offset (offsets with seconds are not valid Temporal zone ids). */
export function wallClockAt(instant: Temporal.Instant, offsetNanoseconds: number): Temporal.PlainDateTime {
  return Temporal.Instant.fromEpochNanoseconds(instant.epochNanoseconds + BigInt(offsetNanoseconds))
    .toZonedDateTimeISO("UTC")
    .toPlainDateTime();
}

/** Parses an ISO instant (`2030-03-04T09:00:00Z`); throws RangeError on malformed input (a caller bug). */
export function parseInstant(value: string): Temporal.Instant {
  return Temporal.Instant.from(value);
}
