import { findLimitViolation } from "./booking-limits.ts";
import { type EngineRules, prepareRules } from "./engine-rules.ts";
import { buildHostPlan, type HostPlan, intervalsOnDay } from "./host-plan.ts";
import { parseInstant } from "./instant-text.ts";
import type { AvailabilityRequest } from "./request-schema.ts";
import {
  formatLocalWallTime,
  formatUtcInstant,
  isoDateFromEpochDay,
  MINUTE_MS,
  WEEKDAY_KEYS,
  weekdayIndexOfEpochDay,
} from "./wall-time.ts";
import { gridAnchor, type WorkingWindow, workingWindows } from "./working-windows.ts";
import { createZoneCache, instantToLocal, localEpochDay } from "./zone-offsets.ts";

export type ReasonCode =
  | "outside_range"
  | "minimum_notice"
  | "horizon"
  | "outside_working_hours"
  | "day_off"
  | "not_aligned"
  | "out_of_office"
  | "calendar_unavailable"
  | "busy"
  | "booking"
  | "buffer"
  | "daily_limit"
  | "weekly_limit"
  /** Every room the event type can use is taken at that time (event types with rooms). */
  | "room_busy"
  /** Another visitor holds the slot while filling the booking form (slot holds). */
  | "held"
  /** Every seat of the session at that time is taken (event types with seats). */
  | "full";

export interface Reason {
  code: ReasonCode;
  hostId: string;
  message: string;
  /** The busy entry's calendar reference, for busy and buffer reasons caused by calendar time. */
  source?: string;
  /** The existing booking, for booking and buffer reasons caused by a booking. */
  bookingId?: string;
}

export type Explanation = { bookable: true; hostIds: string[] } | { bookable: false; reasons: Reason[] };

function localText(plan: HostPlan, instantMs: number): string {
  return `${formatLocalWallTime(instantToLocal(plan.zone, instantMs)).replace("T", " ")} ${plan.host.timeZone}`;
}

function hoursText(plan: HostPlan, day: number): string {
  const intervals = intervalsOnDay(plan, day);
  const clock = (minutes: number): string =>
    `${String(Math.floor(minutes / 60) % 24).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
  const hours = intervals.map(([start, end]) => `${clock(start)}-${clock(end)}`).join(", ");
  const weekday = WEEKDAY_KEYS[weekdayIndexOfEpochDay(day)];
  const origin = plan.overrides.has(day) ? "date override" : "weekly hours";
  return `${weekday} ${isoDateFromEpochDay(day)} has ${hours === "" ? "no hours" : hours} (${origin}, ${plan.host.timeZone})`;
}

/** Same grid as the slot loop: window start (or aligned start) plus whole steps. */
function onGrid(plan: HostPlan, rules: EngineRules, window: WorkingWindow, startMs: number): boolean {
  const anchor = gridAnchor(plan, rules, window.startMs);
  return startMs >= anchor && (startMs - anchor) % rules.stepMs === 0;
}

function workingHoursReasons(plan: HostPlan, rules: EngineRules, startMs: number): Omit<Reason, "hostId">[] {
  const endMs = startMs + rules.durationMs;
  const day = localEpochDay(plan.zone, startMs);
  const windows = workingWindows(plan, day - 1, day + 1);
  const fitting = windows.filter((window) => window.startMs <= startMs && endMs <= window.endMs);
  if (fitting.length > 0) {
    if (fitting.some((window) => onGrid(plan, rules, window, startMs))) return [];
    return [
      {
        code: "not_aligned",
        message: `slots start every ${rules.stepMs / MINUTE_MS} minutes from the start of working hours${
          rules.alignmentMs > 0
            ? ` aligned to ${rules.alignmentMs / MINUTE_MS} minutes of the ${plan.alignmentZone.timeZone} clock`
            : ""
        }; ${localText(plan, startMs)} is not one of them`,
      },
    ];
  }
  const started = windows.find((window) => window.startMs <= startMs && startMs < window.endMs);
  if (started !== undefined) {
    return [
      {
        code: "outside_working_hours",
        message: `the slot would end at ${localText(plan, endMs)}, after working hours end at ${localText(plan, started.endMs)}`,
      },
    ];
  }
  if (plan.overrides.get(day)?.length === 0) {
    return [{ code: "day_off", message: `day off on ${isoDateFromEpochDay(day)} (date override)` }];
  }
  return [
    {
      code: "outside_working_hours",
      message: `${localText(plan, startMs)} is outside working hours: ${hoursText(plan, day)}`,
    },
  ];
}

function overlaps(startA: number, endA: number, startB: number, endB: number): boolean {
  return startA < endB && startB < endA;
}

/** Calendar busy time, absences and bookings near the slot, told apart from their buffers. */
function blockingReasons(plan: HostPlan, rules: EngineRules, startMs: number): Omit<Reason, "hostId">[] {
  const endMs = startMs + rules.durationMs;
  const low = startMs - rules.bufferBeforeMs;
  const high = endMs + rules.bufferAfterMs;
  const reasons: Omit<Reason, "hostId">[] = [];
  const span = (start: number, end: number): string =>
    `${formatUtcInstant(start)} to ${formatUtcInstant(end)}`;
  for (const busy of plan.host.busy ?? []) {
    const status = busy.status ?? "busy";
    if (!rules.blockingStatuses.has(status)) continue;
    const busyStart = parseInstant(busy.start);
    const busyEnd = parseInstant(busy.end);
    if (!overlaps(busyStart, busyEnd, low, high)) continue;
    const inSlot = overlaps(busyStart, busyEnd, startMs, endMs);
    reasons.push({
      code: inSlot ? "busy" : "buffer",
      source: busy.source,
      message: inSlot
        ? `${status} in ${busy.source} from ${span(busyStart, busyEnd)}`
        : `${status} time in ${busy.source} (${span(busyStart, busyEnd)}) falls within the slot's buffer`,
    });
  }
  for (const absence of plan.host.outOfOffice ?? []) {
    const absenceStart = parseInstant(absence.start);
    const absenceEnd = parseInstant(absence.end);
    if (!overlaps(absenceStart, absenceEnd, low, high)) continue;
    const inSlot = overlaps(absenceStart, absenceEnd, startMs, endMs);
    reasons.push({
      code: inSlot ? "out_of_office" : "buffer",
      message: inSlot
        ? `out of office from ${span(absenceStart, absenceEnd)}`
        : `out of office (${span(absenceStart, absenceEnd)}) within the slot's buffer`,
    });
  }
  for (const unknown of plan.host.unavailable ?? []) {
    if (!overlaps(parseInstant(unknown.start), parseInstant(unknown.end), startMs, endMs)) continue;
    reasons.push({ code: "calendar_unavailable", message: unknown.reason });
  }
  for (const booking of plan.host.bookings ?? []) {
    const bookingStart = parseInstant(booking.start);
    const bookingEnd = parseInstant(booking.end);
    const before = (booking.bufferBeforeMinutes ?? rules.bufferBeforeMs / MINUTE_MS) * MINUTE_MS;
    const after = (booking.bufferAfterMinutes ?? rules.bufferAfterMs / MINUTE_MS) * MINUTE_MS;
    if (!overlaps(bookingStart - before, bookingEnd + after, low, high)) continue;
    const inSlot = overlaps(bookingStart, bookingEnd, startMs, endMs);
    if (booking.held) {
      reasons.push({
        code: inSlot ? "held" : "buffer",
        message: inSlot
          ? `held by another visitor from ${span(bookingStart, bookingEnd)} while they book`
          : `a visitor's hold (${span(bookingStart, bookingEnd)}) falls within the slot's buffer`,
      });
      continue;
    }
    reasons.push({
      code: inSlot ? "booking" : "buffer",
      bookingId: booking.id,
      message: inSlot
        ? `booked (${booking.id}) from ${span(bookingStart, bookingEnd)}`
        : `buffer of booking ${booking.id} (${span(bookingStart, bookingEnd)}, ${before / MINUTE_MS} min before, ${after / MINUTE_MS} min after)`,
    });
  }
  return reasons;
}

/** The minimum-notice rule in words; also used when a whole range lies before the earliest start. */
export function noticeText(rules: EngineRules): string {
  return `needs ${rules.minimumNoticeMs / MINUTE_MS} minutes of notice: the earliest start is ${formatUtcInstant(rules.earliestStartMs)}`;
}

/** The horizon rule in words; also used when a whole range lies outside it. */
export function horizonText(plan: HostPlan, rules: EngineRules): string {
  const horizon = rules.horizon;
  return horizon?.type === "rolling"
    ? `bookable only ${horizon.days} days ahead, until ${formatUtcInstant(plan.horizonEndMs)}`
    : `bookable only from ${horizon?.startDate} to ${horizon?.endDate} (${plan.host.timeZone})`;
}

function boundReasons(plan: HostPlan, rules: EngineRules, startMs: number): Omit<Reason, "hostId">[] {
  const reasons: Omit<Reason, "hostId">[] = [];
  if (startMs < rules.fromMs || startMs >= rules.toMs) {
    reasons.push({
      code: "outside_range",
      message: `outside the requested range ${formatUtcInstant(rules.fromMs)} to ${formatUtcInstant(rules.toMs)}`,
    });
  }
  if (startMs < rules.earliestStartMs) reasons.push({ code: "minimum_notice", message: noticeText(rules) });
  if (startMs < plan.horizonStartMs || startMs >= plan.horizonEndMs) {
    reasons.push({ code: "horizon", message: horizonText(plan, rules) });
  }
  return reasons;
}

function explainHost(plan: HostPlan, rules: EngineRules, startMs: number): Reason[] {
  const reasons = [
    ...boundReasons(plan, rules, startMs),
    ...workingHoursReasons(plan, rules, startMs),
    ...blockingReasons(plan, rules, startMs),
  ];
  if (plan.usage !== undefined) {
    const violation = findLimitViolation({
      usage: plan.usage,
      perDay: rules.perDay,
      perWeek: rules.perWeek,
      day: localEpochDay(plan.zone, startMs),
      durationMinutes: rules.durationMinutes,
    });
    if (violation !== null) reasons.push(violation);
  }
  return reasons.map((reason) => ({ hostId: plan.host.id, ...reason }));
}

/**
 * Why a slot starting at `instant` is or is not offered: every rule is checked and every failing one
 * reported, per host. Agrees with `computeSlots` (tested as a property): bookable exactly when a slot
 * starts at the instant.
 */
export function explainInstant(request: AvailabilityRequest, instant: string): Explanation {
  const startMs = parseInstant(instant);
  if (Number.isNaN(startMs)) throw new Error(`not an ISO 8601 instant: ${instant}`);
  const rules = prepareRules(request);
  const zoneFor = createZoneCache({
    fromMs: Math.min(rules.zoneFromMs, startMs - 8 * 86_400_000),
    toMs: Math.max(rules.zoneToMs, startMs + 8 * 86_400_000),
  });
  const perHost = request.hosts.map((host) =>
    explainHost(buildHostPlan({ host, rules, zoneFor }), rules, startMs),
  );
  const free = request.hosts.filter((_, index) => perHost[index]!.length === 0).map((host) => host.id);
  const bookable = rules.mode === "round-robin" ? free.length > 0 : free.length === request.hosts.length;
  return bookable ? { bookable: true, hostIds: free } : { bookable: false, reasons: perHost.flat() };
}
