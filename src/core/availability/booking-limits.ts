import type { Limit } from "./engine-rules.ts";
import { parseInstant } from "./instant-text.ts";
import type { AvailabilityHost } from "./request-schema.ts";
import { isoDateFromEpochDay, MINUTE_MS, weekIndexOfEpochDay } from "./wall-time.ts";
import { localEpochDay, type ZoneOffsets } from "./zone-offsets.ts";

export interface Usage {
  count: number;
  minutes: number;
}

/** Existing bookings counted per local day and per ISO week (Monday first) of the host's zone. */
export interface BookingUsage {
  readonly perDay: ReadonlyMap<number, Usage>;
  readonly perWeek: ReadonlyMap<number, Usage>;
}

function addUsage(map: Map<number, Usage>, key: number, minutes: number): void {
  const usage = map.get(key);
  if (usage === undefined) map.set(key, { count: 1, minutes });
  else {
    usage.count += 1;
    usage.minutes += minutes;
  }
}

/** A booking counts on the local date where it starts, with its whole length. */
export function countBookingUsage(params: { host: AvailabilityHost; zone: ZoneOffsets }): BookingUsage {
  const perDay = new Map<number, Usage>();
  const perWeek = new Map<number, Usage>();
  for (const booking of params.host.bookings ?? []) {
    const startMs = parseInstant(booking.start);
    const minutes = (parseInstant(booking.end) - startMs) / MINUTE_MS;
    const day = localEpochDay(params.zone, startMs);
    addUsage(perDay, day, minutes);
    addUsage(perWeek, weekIndexOfEpochDay(day), minutes);
  }
  return { perDay, perWeek };
}

export interface LimitViolation {
  readonly code: "daily_limit" | "weekly_limit";
  readonly message: string;
}

function exceeded(limit: Limit, usage: Usage | undefined, durationMinutes: number): string | null {
  const count = usage?.count ?? 0;
  const minutes = usage?.minutes ?? 0;
  if (limit.count !== undefined && count >= limit.count) {
    return `${count} of ${limit.count} bookings already taken`;
  }
  if (limit.minutes !== undefined && minutes + durationMinutes > limit.minutes) {
    return `${minutes} of ${limit.minutes} minutes booked, ${durationMinutes} more would exceed the limit`;
  }
  return null;
}

/** Whether one more booking of `durationMinutes` starting on local `day` stays within the limits. */
export function findLimitViolation(params: {
  usage: BookingUsage;
  perDay: Limit | undefined;
  perWeek: Limit | undefined;
  day: number;
  durationMinutes: number;
}): LimitViolation | null {
  const { usage, perDay, perWeek, day, durationMinutes } = params;
  if (perDay !== undefined) {
    const detail = exceeded(perDay, usage.perDay.get(day), durationMinutes);
    if (detail !== null) {
      return { code: "daily_limit", message: `daily limit on ${isoDateFromEpochDay(day)}: ${detail}` };
    }
  }
  if (perWeek !== undefined) {
    const week = weekIndexOfEpochDay(day);
    const detail = exceeded(perWeek, usage.perWeek.get(week), durationMinutes);
    if (detail !== null) {
      const monday = isoDateFromEpochDay(week * 7 - 3);
      return { code: "weekly_limit", message: `weekly limit for the week of ${monday}: ${detail}` };
    }
  }
  return null;
}
