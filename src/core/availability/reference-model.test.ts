import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { intervalMinutes } from "../schedules/schedule.ts";
import { computeSlots } from "./compute-slots.ts";
import { DEFAULT_BLOCKING_STATUSES } from "./engine-rules.ts";
import type { AvailabilityRequest } from "./request-schema.ts";
import { requestArbitrary } from "./testing/request-arbitrary.ts";
import { WEEKDAY_KEYS } from "./wall-time.ts";

const MINUTE = 60_000;
const ms = (instant: string | number): number =>
  typeof instant === "number" ? instant : Temporal.Instant.from(instant).epochMilliseconds;

/**
 * A deliberately naive model of the rules, written from docs/availability-input.md with Temporal for every
 * conversion and no shared code with the engine: every date, every interval, every grid point, every rule
 * checked by scanning all entries. It catches slots the engine misses as well as slots it should not offer.
 */
function modelStarts(request: AvailabilityRequest): string[] {
  const host = request.hosts[0]!;
  const zone = host.timeZone;
  const eventType = request.eventType;
  const duration = eventType.durationMinutes * MINUTE;
  const step = (eventType.stepMinutes ?? eventType.durationMinutes) * MINUTE;
  const before = (eventType.bufferBeforeMinutes ?? 0) * MINUTE;
  const after = (eventType.bufferAfterMinutes ?? 0) * MINUTE;
  const from = ms(request.range.from);
  const to = ms(request.range.to);
  const now = ms(request.now);
  const statuses = new Set(eventType.blockingStatuses ?? DEFAULT_BLOCKING_STATUSES);
  const localDate = (instant: number) =>
    Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone);
  const blocked: Array<[number, number]> = [
    ...(host.busy ?? [])
      .filter((b) => statuses.has(b.status ?? "busy"))
      .map((b): [number, number] => [ms(b.start), ms(b.end)]),
    ...(host.outOfOffice ?? []).map((o): [number, number] => [ms(o.start), ms(o.end)]),
    ...(host.bookings ?? []).map((b): [number, number] => [
      ms(b.start) - (b.bufferBeforeMinutes ?? eventType.bufferBeforeMinutes ?? 0) * MINUTE,
      ms(b.end) + (b.bufferAfterMinutes ?? eventType.bufferAfterMinutes ?? 0) * MINUTE,
    ]),
  ];
  const withinLimits = (start: number): boolean => {
    const day = localDate(start).toPlainDate();
    const bookings = (host.bookings ?? []).map((b) => ({
      date: localDate(ms(b.start)).toPlainDate(),
      minutes: (ms(b.end) - ms(b.start)) / MINUTE,
    }));
    const sameWeek = (date: Temporal.PlainDate) =>
      date.yearOfWeek === day.yearOfWeek && date.weekOfYear === day.weekOfYear;
    for (const [limit, matches] of [
      [eventType.limits?.perDay, (date: Temporal.PlainDate) => date.equals(day)],
      [eventType.limits?.perWeek, sameWeek],
    ] as const) {
      if (limit === undefined) continue;
      const counted = bookings.filter((b) => matches(b.date));
      if (limit.count !== undefined && counted.length >= limit.count) return false;
      const minutes = counted.reduce((sum, b) => sum + b.minutes, 0);
      if (limit.minutes !== undefined && minutes + eventType.durationMinutes > limit.minutes) return false;
    }
    return true;
  };
  const horizon = eventType.horizon;
  const inHorizon = (start: number): boolean => {
    if (horizon === undefined) return true;
    if (horizon.type === "rolling") return start < now + horizon.days * 86_400_000;
    const date = localDate(start).toPlainDate().toString();
    return date >= horizon.startDate && date <= horizon.endDate;
  };
  const starts = new Set<number>();
  const first = localDate(from).toPlainDate().subtract({ days: 1 });
  const last = localDate(to).toPlainDate();
  for (let date = first; Temporal.PlainDate.compare(date, last) <= 0; date = date.add({ days: 1 })) {
    const override = host.overrides?.find((o) => o.date === date.toString());
    const intervals = override?.intervals ?? host.weekly[WEEKDAY_KEYS[date.dayOfWeek - 1]!] ?? [];
    for (const interval of intervals) {
      const [startMinutes, endMinutes] = intervalMinutes(interval);
      const wall = (minutes: number) =>
        date.toPlainDateTime().add({ minutes }).toZonedDateTime(zone, { disambiguation: "compatible" });
      const windowStart = wall(startMinutes);
      const windowEnd = wall(endMinutes).epochMilliseconds;
      let grid = windowStart.epochMilliseconds;
      const alignment = eventType.startAlignmentMinutes;
      if (alignment !== undefined) {
        const clock = windowStart.withTimeZone(eventType.startAlignmentTimeZone ?? zone);
        const minuteOfDay = clock.hour * 60 + clock.minute + clock.second / 60;
        grid += (Math.ceil(minuteOfDay / alignment) * alignment - minuteOfDay) * MINUTE;
      }
      for (let start = grid; start + duration <= windowEnd; start += step) {
        if (start < from || start >= to || start < now + (eventType.minimumNoticeMinutes ?? 0) * MINUTE)
          continue;
        if (!inHorizon(start)) continue;
        if (blocked.some(([s, e]) => s < start + duration + after && start - before < e)) continue;
        if (!withinLimits(start)) continue;
        starts.add(start);
      }
    }
  }
  return [...starts].sort((a, b) => a - b).map((start) => `${new Date(start).toISOString().slice(0, 19)}Z`);
}

describe("engine against a naive reference model", () => {
  it("gives exactly the model's slots for random single-host requests", () => {
    const single = requestArbitrary.map(
      (request): AvailabilityRequest => ({
        ...request,
        eventType: { ...request.eventType, mode: "single" },
        hosts: [request.hosts[0]!],
      }),
    );
    fc.assert(
      fc.property(single, (request) => {
        expect(computeSlots(request).map((slot) => slot.start)).toEqual(modelStarts(request));
      }),
      { numRuns: 300 },
    );
  });
});
