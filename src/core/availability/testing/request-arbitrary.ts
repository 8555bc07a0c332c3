import fc from "fast-check";
import type { AvailabilityRequest } from "../request-schema.ts";
import { parseAvailabilityRequest } from "../request-schema.ts";

/**
 * Random valid availability requests for property tests: up to three hosts in zones with DST changes and
 * odd offsets, ranges placed around 2030's transitions, busy time, absences, bookings, limits, horizons.
 */
export const PROPERTY_ZONES = [
  "Europe/Berlin",
  "America/New_York",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Pacific/Chatham",
  "Australia/Lord_Howe",
  "America/Sao_Paulo",
  "UTC",
] as const;

const RANGE_DAYS = ["2030-03-08", "2030-03-29", "2030-04-05", "2030-06-10", "2030-10-25", "2030-11-01"];
const MINUTE = 60_000;

const clock = (quarterHours: number): string => {
  const minutes = quarterHours * 15;
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
};

/** Up to two intervals on quarter hours; sometimes the last runs past midnight to 03:00. */
const dayIntervals = fc
  .tuple(fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 4 }), fc.boolean())
  .map(([points, pastMidnight]) => {
    const sorted = [...points].sort((a, b) => a - b);
    const intervals: Array<[string, string]> = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) intervals.push([clock(sorted[i]!), clock(sorted[i + 1]!)]);
    const last = intervals.length - 1;
    if (pastMidnight && last >= 0 && sorted[last * 2]! > 12) intervals[last] = [intervals[last]![0], "03:00"];
    return intervals;
  });

const interval = (fromMs: number, spanMinutes: number) =>
  fc
    .tuple(fc.integer({ min: -1440, max: spanMinutes + 1440 }), fc.integer({ min: 5, max: 300 }))
    .map(([offset, length]) => {
      const start = fromMs + Math.round(offset / 5) * 5 * MINUTE;
      return { start: iso(start), end: iso(start + length * MINUTE) };
    });

const iso = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

function hostArbitrary(id: string, fromMs: number, spanMinutes: number) {
  return fc.record({
    id: fc.constant(id),
    timeZone: fc.constantFrom(...PROPERTY_ZONES),
    weekly: fc.record({
      mon: dayIntervals,
      tue: dayIntervals,
      wed: dayIntervals,
      thu: dayIntervals,
      fri: dayIntervals,
      sat: dayIntervals,
      sun: dayIntervals,
    }),
    overrides: fc.uniqueArray(
      fc.record({
        date: fc
          .integer({ min: -1, max: spanMinutes / 1440 + 1 })
          .map((day) => iso(fromMs + day * 86_400_000).slice(0, 10)),
        intervals: dayIntervals,
      }),
      { maxLength: 2, selector: (override) => override.date },
    ),
    busy: fc
      .array(
        fc.tuple(
          interval(fromMs, spanMinutes),
          fc.constantFrom("busy", "tentative", "free", "out_of_office", undefined),
        ),
        { maxLength: 8 },
      )
      .map((entries) =>
        entries.map(([span, status], index) => ({
          ...span,
          source: `cal:${id}:${index}`,
          ...(status ? { status } : {}),
        })),
      ),
    outOfOffice: fc.array(interval(fromMs, spanMinutes), { maxLength: 1 }),
    bookings: fc
      .array(
        fc.tuple(interval(fromMs, spanMinutes), fc.option(fc.constantFrom(0, 10, 20), { nil: undefined })),
        {
          maxLength: 3,
        },
      )
      .map((entries) =>
        entries.map(([span, buffer], index) => ({
          id: `b-${id}-${index}`,
          ...span,
          ...(buffer === undefined ? {} : { bufferAfterMinutes: buffer }),
        })),
      ),
  });
}

export const requestArbitrary: fc.Arbitrary<AvailabilityRequest> = fc
  .record({
    day: fc.constantFrom(...RANGE_DAYS),
    startHour: fc.integer({ min: 0, max: 23 }),
    spanDays: fc.integer({ min: 1, max: 5 }),
    hostCount: fc.integer({ min: 1, max: 3 }),
  })
  .chain(({ day, startHour, spanDays, hostCount }) => {
    const fromMs = Date.parse(`${day}T00:00:00Z`) + startHour * 3_600_000;
    const spanMinutes = spanDays * 1440;
    return fc.record({
      range: fc.constant({ from: iso(fromMs), to: iso(fromMs + spanMinutes * MINUTE) }),
      now: fc.integer({ min: -2880, max: 1440 }).map((minutes) => iso(fromMs + minutes * MINUTE)),
      inviteeTimeZone: fc.constantFrom(...PROPERTY_ZONES),
      eventType: fc.record(
        {
          durationMinutes: fc.constantFrom(15, 20, 30, 45, 60, 90),
          stepMinutes: fc.constantFrom(10, 15, 30, 60),
          bufferBeforeMinutes: fc.constantFrom(0, 5, 15, 30),
          bufferAfterMinutes: fc.constantFrom(0, 5, 15, 30),
          minimumNoticeMinutes: fc.constantFrom(0, 60, 600),
          mode: fc.constantFrom(
            ...(hostCount === 1 ? (["single"] as const) : (["collective", "round-robin"] as const)),
          ),
          horizon: fc.oneof(
            fc.record({ type: fc.constant("rolling" as const), days: fc.integer({ min: 1, max: 4 }) }),
            fc.record({
              type: fc.constant("fixed" as const),
              startDate: fc.constant(day),
              endDate: fc.constant(iso(fromMs + 2 * 86_400_000).slice(0, 10)),
            }),
          ),
          limits: fc.record(
            {
              perDay: fc.record(
                { count: fc.integer({ min: 1, max: 2 }), minutes: fc.constantFrom(60, 120) },
                { requiredKeys: [] },
              ),
              perWeek: fc.record({ count: fc.integer({ min: 1, max: 3 }) }, { requiredKeys: [] }),
            },
            { requiredKeys: [] },
          ),
          startAlignmentMinutes: fc.constantFrom(5, 15, 30),
          startAlignmentTimeZone: fc.constantFrom(...PROPERTY_ZONES),
          blockingStatuses: fc.subarray(["busy", "tentative", "free", "out_of_office"] as const),
        },
        { requiredKeys: ["durationMinutes", "mode"] },
      ),
      hosts: fc.tuple(
        ...Array.from({ length: hostCount }, (_, index) =>
          hostArbitrary(`h${index + 1}`, fromMs, spanMinutes),
        ),
      ),
    });
  })
  .map((raw) => parseAvailabilityRequest(raw))
  .filter((parsed) => parsed.ok)
  .map((parsed) => (parsed as { ok: true; value: AvailabilityRequest }).value);
