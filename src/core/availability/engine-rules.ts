import { parseInstant } from "./instant-text.ts";
import type { AvailabilityRequest, BusyStatus, SchedulingMode } from "./request-schema.ts";
import { DAY_MS, MINUTE_MS } from "./wall-time.ts";

/** Statuses that block when the event type does not say: RFC 5545 FREEBUSY types other than FREE. */
export const DEFAULT_BLOCKING_STATUSES: readonly BusyStatus[] = ["busy", "out_of_office", "tentative"];

export interface Limit {
  readonly count?: number | undefined;
  readonly minutes?: number | undefined;
}

/** Request-wide rules in epoch milliseconds, with the documented defaults applied. */
export interface EngineRules {
  readonly mode: SchedulingMode;
  readonly fromMs: number;
  readonly toMs: number;
  readonly nowMs: number;
  readonly durationMs: number;
  readonly durationMinutes: number;
  readonly stepMs: number;
  readonly bufferBeforeMs: number;
  readonly bufferAfterMs: number;
  readonly minimumNoticeMs: number;
  /** now + minimum notice: the first instant a slot may start. */
  readonly earliestStartMs: number;
  /** 0 when slots step from the start of each working interval. */
  readonly alignmentMs: number;
  readonly alignmentTimeZone: string | undefined;
  readonly blockingStatuses: ReadonlySet<BusyStatus>;
  readonly horizon: AvailabilityRequest["eventType"]["horizon"];
  readonly perDay: Limit | undefined;
  readonly perWeek: Limit | undefined;
  /**
   * Span over which zone offsets are loaded: the range widened by 8 days, so that windows starting the
   * day before the range and bookings in the range's first and last weeks convert exactly.
   */
  readonly zoneFromMs: number;
  readonly zoneToMs: number;
}

export function prepareRules(request: AvailabilityRequest): EngineRules {
  const eventType = request.eventType;
  const fromMs = parseInstant(request.range.from);
  const toMs = parseInstant(request.range.to);
  const nowMs = parseInstant(request.now);
  const minimumNoticeMs = (eventType.minimumNoticeMinutes ?? 0) * MINUTE_MS;
  const perDay = eventType.limits?.perDay;
  const perWeek = eventType.limits?.perWeek;
  return {
    mode: eventType.mode,
    fromMs,
    toMs,
    nowMs,
    durationMs: eventType.durationMinutes * MINUTE_MS,
    durationMinutes: eventType.durationMinutes,
    stepMs: (eventType.stepMinutes ?? eventType.durationMinutes) * MINUTE_MS,
    bufferBeforeMs: (eventType.bufferBeforeMinutes ?? 0) * MINUTE_MS,
    bufferAfterMs: (eventType.bufferAfterMinutes ?? 0) * MINUTE_MS,
    minimumNoticeMs,
    earliestStartMs: nowMs + minimumNoticeMs,
    alignmentMs: (eventType.startAlignmentMinutes ?? 0) * MINUTE_MS,
    alignmentTimeZone: eventType.startAlignmentTimeZone,
    blockingStatuses: new Set(eventType.blockingStatuses ?? DEFAULT_BLOCKING_STATUSES),
    horizon: eventType.horizon,
    perDay: perDay?.count !== undefined || perDay?.minutes !== undefined ? perDay : undefined,
    perWeek: perWeek?.count !== undefined || perWeek?.minutes !== undefined ? perWeek : undefined,
    zoneFromMs: fromMs - 8 * DAY_MS,
    zoneToMs: toMs + 8 * DAY_MS,
  };
}
