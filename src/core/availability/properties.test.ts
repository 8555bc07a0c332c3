import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { intervalMinutes } from "../schedules/schedule.ts";
import { computeSlots, type Slot } from "./compute-slots.ts";
import { DEFAULT_BLOCKING_STATUSES } from "./engine-rules.ts";
import { explainInstant } from "./explain.ts";
import type { AvailabilityHost, AvailabilityRequest } from "./request-schema.ts";
import { requestArbitrary } from "./testing/request-arbitrary.ts";
import { WEEKDAY_KEYS } from "./wall-time.ts";

/** Busy, absence and booking times are ISO text or epoch milliseconds. */
const epochMs = (instant: string | number): number =>
  typeof instant === "number" ? instant : Date.parse(instant);

const MINUTE = 60_000;
const RUNS = { numRuns: 250 };

/** Independent of the engine's fast conversion: wall times through Temporal, one call each. */
function insideWorkingHours(host: AvailabilityHost, startMs: number, endMs: number): boolean {
  const startDate = Temporal.Instant.fromEpochMilliseconds(startMs)
    .toZonedDateTimeISO(host.timeZone)
    .toPlainDate();
  for (const date of [startDate.subtract({ days: 1 }), startDate]) {
    const override = host.overrides?.find((candidate) => candidate.date === date.toString());
    const intervals = override?.intervals ?? host.weekly[WEEKDAY_KEYS[date.dayOfWeek - 1]!] ?? [];
    for (const interval of intervals) {
      const [startMinutes, endMinutes] = intervalMinutes(interval);
      const toInstant = (minutes: number): number =>
        date
          .toPlainDateTime()
          .add({ minutes })
          .toZonedDateTime(host.timeZone, { disambiguation: "compatible" }).epochMilliseconds;
      if (toInstant(startMinutes) <= startMs && endMs <= toInstant(endMinutes)) return true;
    }
  }
  return false;
}

/** Blocking intervals of a host, bookings widened by their buffers. */
function blockingIntervals(request: AvailabilityRequest, host: AvailabilityHost): Array<[number, number]> {
  const eventType = request.eventType;
  const statuses = new Set(eventType.blockingStatuses ?? DEFAULT_BLOCKING_STATUSES);
  return [
    ...(host.busy ?? [])
      .filter((busy) => statuses.has(busy.status ?? "busy"))
      .map((busy): [number, number] => [epochMs(busy.start), epochMs(busy.end)]),
    ...(host.outOfOffice ?? []).map((absence): [number, number] => [
      epochMs(absence.start),
      epochMs(absence.end),
    ]),
    ...(host.bookings ?? []).map((booking): [number, number] => [
      epochMs(booking.start) - (booking.bufferBeforeMinutes ?? eventType.bufferBeforeMinutes ?? 0) * MINUTE,
      epochMs(booking.end) + (booking.bufferAfterMinutes ?? eventType.bufferAfterMinutes ?? 0) * MINUTE,
    ]),
  ];
}

const key = (slot: Slot): string => `${slot.start}/${slot.end}`;

function singleHostSlots(request: AvailabilityRequest, host: AvailabilityHost): Slot[] {
  return computeSlots({ ...request, eventType: { ...request.eventType, mode: "single" }, hosts: [host] });
}

describe("availability invariants (fast-check)", () => {
  it("slots are sorted, unique, of the event's duration, inside the range, after the notice", () => {
    fc.assert(
      fc.property(requestArbitrary, (request) => {
        const slots = computeSlots(request);
        const earliest = Date.parse(request.now) + (request.eventType.minimumNoticeMinutes ?? 0) * MINUTE;
        slots.forEach((slot, index) => {
          const start = Date.parse(slot.start);
          expect(slot.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
          expect(Date.parse(slot.end) - start).toBe(request.eventType.durationMinutes * MINUTE);
          expect(start).toBeGreaterThanOrEqual(Math.max(Date.parse(request.range.from), earliest));
          expect(start).toBeLessThan(Date.parse(request.range.to));
          expect(slot.hostIds.length).toBeGreaterThan(0);
          if (index > 0) expect(start).toBeGreaterThan(Date.parse(slots[index - 1]!.start));
        });
      }),
      RUNS,
    );
  });

  it("no slot overlaps a blocking interval widened by the buffers", () => {
    fc.assert(
      fc.property(requestArbitrary, (request) => {
        const before = (request.eventType.bufferBeforeMinutes ?? 0) * MINUTE;
        const after = (request.eventType.bufferAfterMinutes ?? 0) * MINUTE;
        for (const slot of computeSlots(request)) {
          for (const hostId of slot.hostIds) {
            const host = request.hosts.find((candidate) => candidate.id === hostId)!;
            const low = Date.parse(slot.start) - before;
            const high = Date.parse(slot.end) + after;
            for (const [start, end] of blockingIntervals(request, host)) {
              expect(start < high && low < end, `${slot.start} overlaps ${start}-${end} of ${hostId}`).toBe(
                false,
              );
            }
          }
        }
      }),
      RUNS,
    );
  });

  it("every slot lies inside each listed host's working hours (checked through Temporal)", () => {
    fc.assert(
      fc.property(requestArbitrary, (request) => {
        for (const slot of computeSlots(request)) {
          for (const hostId of slot.hostIds) {
            const host = request.hosts.find((candidate) => candidate.id === hostId)!;
            const inside = insideWorkingHours(host, Date.parse(slot.start), Date.parse(slot.end));
            expect(inside, `${slot.start} for ${hostId} in ${host.timeZone}`).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  it("collective slots are a subset of each host's slots; round-robin slots are their union", () => {
    const multiHost = requestArbitrary.filter((request) => request.hosts.length > 1);
    fc.assert(
      fc.property(multiHost, (request) => {
        const perHost = request.hosts.map((host) => new Set(singleHostSlots(request, host).map(key)));
        const collective = computeSlots({
          ...request,
          eventType: { ...request.eventType, mode: "collective" },
        });
        for (const slot of collective) {
          for (const slots of perHost) expect(slots.has(key(slot))).toBe(true);
        }
        expect(collective.length).toBe(
          [...perHost[0]!].filter((k) => perHost.every((slots) => slots.has(k))).length,
        );
        const roundRobin = computeSlots({
          ...request,
          eventType: { ...request.eventType, mode: "round-robin" },
        });
        const union = new Set(perHost.flatMap((slots) => [...slots]));
        expect(new Set(roundRobin.map(key))).toEqual(union);
        for (const slot of roundRobin) {
          const free = request.hosts
            .filter((_, index) => perHost[index]!.has(key(slot)))
            .map((host) => host.id);
          expect(slot.hostIds).toEqual(free);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("adding busy time never adds a slot", () => {
    const extraBusy = fc.record({
      hostIndex: fc.nat(),
      offsetMinutes: fc.integer({ min: -600, max: 8000 }),
      lengthMinutes: fc.integer({ min: 5, max: 600 }),
    });
    fc.assert(
      fc.property(requestArbitrary, extraBusy, (request, extra) => {
        const hostIndex = extra.hostIndex % request.hosts.length;
        const start = Date.parse(request.range.from) + extra.offsetMinutes * MINUTE;
        const busy = {
          start: new Date(start).toISOString(),
          end: new Date(start + extra.lengthMinutes * MINUTE).toISOString(),
          source: "extra",
        };
        const hosts = request.hosts.map((host, index) =>
          index === hostIndex ? { ...host, busy: [...(host.busy ?? []), busy] } : host,
        );
        const before = new Map(computeSlots(request).map((slot) => [key(slot), slot.hostIds]));
        for (const slot of computeSlots({ ...request, hosts })) {
          const hostIds = before.get(key(slot));
          expect(hostIds).toBeDefined();
          for (const hostId of slot.hostIds) expect(hostIds).toContain(hostId);
        }
      }),
      RUNS,
    );
  });

  it("collective hosts with no common working time give zero slots", () => {
    fc.assert(
      fc.property(requestArbitrary, fc.integer({ min: 1, max: 23 }), (request, split) => {
        // Same zone; the first host works only before `split`, the second only after it, every day.
        const early = Object.fromEntries(
          WEEKDAY_KEYS.map((day) => [day, [["00:00", `${String(split).padStart(2, "0")}:00`]]]),
        );
        const late = Object.fromEntries(
          WEEKDAY_KEYS.map((day) => [day, [[`${String(split).padStart(2, "0")}:00`, "24:00"]]]),
        );
        const timeZone = request.hosts[0]!.timeZone;
        const hosts: AvailabilityHost[] = [
          { id: "early", timeZone, weekly: early },
          { id: "late", timeZone, weekly: late },
        ];
        expect(
          computeSlots({ ...request, eventType: { ...request.eventType, mode: "collective" }, hosts }),
        ).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it("explain agrees with computeSlots: bookable exactly at slot starts, with reasons otherwise", () => {
    fc.assert(
      fc.property(
        requestArbitrary,
        fc.array(fc.integer({ min: -1440, max: 9000 }), { maxLength: 12 }),
        (request, probes) => {
          const slots = computeSlots(request);
          const byStart = new Map(slots.map((slot) => [slot.start, slot]));
          for (const slot of slots.slice(0, 20)) {
            expect(explainInstant(request, slot.start)).toEqual({ bookable: true, hostIds: slot.hostIds });
          }
          const from = Date.parse(request.range.from);
          for (const minutes of probes) {
            const instant = `${new Date(from + Math.round(minutes / 5) * 5 * MINUTE).toISOString().slice(0, 19)}Z`;
            const explanation = explainInstant(request, instant);
            const slot = byStart.get(instant);
            if (slot === undefined) {
              expect(explanation.bookable, instant).toBe(false);
              if (!explanation.bookable) expect(explanation.reasons.length).toBeGreaterThan(0);
            } else {
              expect(explanation).toEqual({ bookable: true, hostIds: slot.hostIds });
            }
          }
        },
      ),
      RUNS,
    );
  });
});
