import { intervalMinutes } from "../schedules/schedule.ts";
import { type BookingUsage, countBookingUsage } from "./booking-limits.ts";
import type { EngineRules } from "./engine-rules.ts";
import { parseInstant } from "./instant-text.ts";
import { mergeIntervals } from "./interval-merge.ts";
import type { AvailabilityHost } from "./request-schema.ts";
import { DAY_MS, epochDayFromIsoDate, MINUTE_MS, WEEKDAY_KEYS, weekdayIndexOfEpochDay } from "./wall-time.ts";
import { localToInstant, type ZoneOffsets } from "./zone-offsets.ts";

/** [start, end) minutes from local midnight; end may exceed 1440 when the interval runs past midnight. */
export type DayIntervals = ReadonlyArray<readonly [number, number]>;

/** Everything about one host that the slot loop and `explain` need, converted once per request. */
export interface HostPlan {
  readonly host: AvailabilityHost;
  readonly zone: ZoneOffsets;
  /** The zone whose wall clock start-time alignment follows (the host's unless the event type names one). */
  readonly alignmentZone: ZoneOffsets;
  /** Index 0 = Monday. */
  readonly weekly: readonly DayIntervals[];
  /** Date overrides by local epoch day; an empty array is a day off. */
  readonly overrides: ReadonlyMap<number, DayIntervals>;
  /** Merged, sorted blocking intervals: blocking busy time, out of office, bookings widened by buffers. */
  readonly blockedStartsMs: readonly number[];
  readonly blockedEndsMs: readonly number[];
  /** Horizon in instants for this host's zone (a fixed horizon is a range of the host's local dates). */
  readonly horizonStartMs: number;
  readonly horizonEndMs: number;
  /** Slots start in [lowerMs, upperMs): range, minimum notice and horizon combined. */
  readonly lowerMs: number;
  readonly upperMs: number;
  readonly usage: BookingUsage | undefined;
}

function horizonBounds(rules: EngineRules, zone: ZoneOffsets): [number, number] {
  const horizon = rules.horizon;
  if (horizon === undefined) return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  if (horizon.type === "rolling") return [Number.NEGATIVE_INFINITY, rules.nowMs + horizon.days * DAY_MS];
  return [
    localToInstant(zone, epochDayFromIsoDate(horizon.startDate) * DAY_MS),
    localToInstant(zone, (epochDayFromIsoDate(horizon.endDate) + 1) * DAY_MS),
  ];
}

/**
 * Existing bookings are widened by their buffers (the event type's unless the booking says otherwise);
 * calendar busy time is not, the new slot's own buffers are checked against all of them.
 */
function blockedIntervals(host: AvailabilityHost, rules: EngineRules): [number[], number[]] {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const busy of host.busy ?? []) {
    if (!rules.blockingStatuses.has(busy.status ?? "busy")) continue;
    starts.push(parseInstant(busy.start));
    ends.push(parseInstant(busy.end));
  }
  for (const absence of host.outOfOffice ?? []) {
    starts.push(parseInstant(absence.start));
    ends.push(parseInstant(absence.end));
  }
  for (const unknown of host.unavailable ?? []) {
    starts.push(parseInstant(unknown.start));
    ends.push(parseInstant(unknown.end));
  }
  for (const booking of host.bookings ?? []) {
    const before =
      booking.bufferBeforeMinutes === undefined
        ? rules.bufferBeforeMs
        : booking.bufferBeforeMinutes * MINUTE_MS;
    const after =
      booking.bufferAfterMinutes === undefined ? rules.bufferAfterMs : booking.bufferAfterMinutes * MINUTE_MS;
    starts.push(parseInstant(booking.start) - before);
    ends.push(parseInstant(booking.end) + after);
  }
  return mergeIntervals(starts, ends);
}

export function buildHostPlan(params: {
  host: AvailabilityHost;
  rules: EngineRules;
  zoneFor: (timeZone: string) => ZoneOffsets;
}): HostPlan {
  const { host, rules } = params;
  const zone = params.zoneFor(host.timeZone);
  const weekly = WEEKDAY_KEYS.map((key) => (host.weekly[key] ?? []).map(intervalMinutes));
  const overrides = new Map<number, DayIntervals>();
  for (const override of host.overrides ?? []) {
    overrides.set(epochDayFromIsoDate(override.date), override.intervals.map(intervalMinutes));
  }
  const [blockedStartsMs, blockedEndsMs] = blockedIntervals(host, rules);
  const [horizonStartMs, horizonEndMs] = horizonBounds(rules, zone);
  const limited = rules.perDay !== undefined || rules.perWeek !== undefined;
  const alignmentTimeZone = rules.alignmentTimeZone ?? host.timeZone;
  return {
    host,
    zone,
    alignmentZone: alignmentTimeZone === host.timeZone ? zone : params.zoneFor(alignmentTimeZone),
    weekly,
    overrides,
    blockedStartsMs,
    blockedEndsMs,
    horizonStartMs,
    horizonEndMs,
    lowerMs: Math.max(rules.fromMs, rules.earliestStartMs, horizonStartMs),
    upperMs: Math.min(rules.toMs, horizonEndMs),
    usage: limited ? countBookingUsage({ host, zone }) : undefined,
  };
}

/** Intervals that apply on a local date: the override if there is one, else the weekday's hours. */
export function intervalsOnDay(plan: HostPlan, day: number): DayIntervals {
  return plan.overrides.get(day) ?? (plan.weekly[weekdayIndexOfEpochDay(day)] as DayIntervals);
}
