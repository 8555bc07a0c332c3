import { Temporal } from "temporal-polyfill";

/**
 * The rules of one time zone, as wall-clock epoch seconds (see local-epoch.ts) to real epoch seconds and back.
 * `id` is the IANA name, or the TZID of the VTIMEZONE the rules come from.
 */
export interface ZoneRules {
  id: string;
  toUtc(localSeconds: number): number;
  toLocal(utcSeconds: number): number;
}

const DAY = 86_400;

/**
 * Local time to UTC from an "offset at instant" function, with RFC 5545 section 3.3.5 disambiguation: a time in
 * a DST gap uses the offset from before the gap (02:30 on a spring-forward day in New York is 07:30Z, i.e.
 * 03:30 EDT) and a repeated time takes its first occurrence. This is Temporal's "compatible" choice.
 */
export function localToUtcWith(offsetAt: (utcSeconds: number) => number, localSeconds: number): number {
  const before = offsetAt(localSeconds - DAY);
  const after = offsetAt(localSeconds + DAY);
  const earlier = localSeconds - Math.max(before, after);
  const later = localSeconds - Math.min(before, after);
  const candidates = [earlier, later].filter((utc) => utc + offsetAt(utc) === localSeconds);
  if (candidates.length > 0) return Math.min(...candidates);
  return localSeconds - before;
}

/** Rules of an IANA zone, through Temporal (its own tz data; the process time zone plays no part). */
export function ianaZoneRules(id: string): ZoneRules {
  // Temporal costs ~20 µs a call; expansion asks thousands of times. Remember each span between two
  // transitions, so that most look-ups are a comparison.
  const spans: Array<{ from: number; to: number; offset: number }> = [];
  let last: { from: number; to: number; offset: number } | undefined;
  const offsetAt = (utcSeconds: number): number => {
    if (last && utcSeconds >= last.from && utcSeconds < last.to) return last.offset;
    last = spans.find((span) => utcSeconds >= span.from && utcSeconds < span.to);
    if (last) return last.offset;
    const zoned = Temporal.Instant.fromEpochMilliseconds(utcSeconds * 1000).toZonedDateTimeISO(id);
    const previous = zoned.getTimeZoneTransition("previous");
    const next = zoned.getTimeZoneTransition("next");
    last = {
      from: previous ? previous.epochMilliseconds / 1000 : Number.NEGATIVE_INFINITY,
      to: next ? next.epochMilliseconds / 1000 : Number.POSITIVE_INFINITY,
      offset: Math.round(zoned.offsetNanoseconds / 1e9),
    };
    if (spans.length > 1000) spans.length = 0;
    spans.push(last);
    return last.offset;
  };
  return {
    id,
    toUtc: (localSeconds) => localToUtcWith(offsetAt, localSeconds),
    toLocal: (utcSeconds) => utcSeconds + offsetAt(utcSeconds),
  };
}

/** Fixed-offset rules for UTC itself. */
export const UTC_RULES: ZoneRules = { id: "UTC", toUtc: (seconds) => seconds, toLocal: (seconds) => seconds };
