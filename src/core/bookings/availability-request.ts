import type { AvailabilityRequest } from "../availability/request-schema.ts";
import type { ScheduleRules } from "../schedules/schedule.ts";
import type { EventTypeRules } from "./event-type-rules.ts";

/**
 * Turns stored data (an event type, its hosts' schedules, bookings and busy cache) into the availability engine's
 * input. Pure: the caller loads the data and supplies `now`.
 */
export interface HostAvailabilityData {
  hostId: string;
  /** The host's default schedule; a host without one has no working hours. */
  schedule: ScheduleRules | undefined;
  hostTimeZone: string;
  /** Times in epoch milliseconds: the engine takes them as they are, with no text in between. */
  bookings: Array<{
    id: string;
    startMs: number;
    endMs: number;
    bufferBeforeMinutes: number;
    bufferAfterMinutes: number;
    /** A visitor's live hold rather than a booking. */
    held?: boolean;
    /** The session a seat belongs to (event types with seats). */
    sessionId?: string | null;
  }>;
  busy: Array<{
    startMs: number;
    endMs: number;
    status: "busy" | "tentative" | "free" | "out_of_office";
    sourceRef: string;
  }>;
  /** Last successful sync (epoch ms; null before the first) of each blocking calendar the host has connected. */
  calendarsSyncedAtMs?: Array<number | null>;
  /** The earliest instant from which a blocking calendar's last listing was cut short (epoch ms), if any. */
  calendarsIncompleteFromMs?: number | null;
  /**
   * The nearest end of a blocking calendar's last full listing (epoch ms; null when none is known): the synced
   * window follows the longest horizon, so a horizon lengthened since leaves time past it never listed.
   */
  calendarsSyncedUntilMs?: number | null;
}

/**
 * How availability treats connected calendars it cannot vouch for (sync-failure-modes.md #15): a calendar not synced
 * for longer than `staleAfterMs` makes its host unavailable (`block`, the default) rather than wrongly free, and time
 * beyond what was synced (`windowDays` after the last sync) is never offered for a host with calendars.
 */
export interface CalendarFreshnessPolicy {
  staleAfterMs: number;
  stale: "block" | "ignore";
  windowDays: number;
}

export const DEFAULT_FRESHNESS: CalendarFreshnessPolicy = {
  staleAfterMs: 30 * 60_000,
  stale: "block",
  windowDays: 366,
};

/** The oldest last sync among a host's blocking calendars: what its busy time is "as of" (null: never synced). */
export function calendarsAsOfMs(
  host: Pick<HostAvailabilityData, "calendarsSyncedAtMs">,
): number | null | undefined {
  const synced = host.calendarsSyncedAtMs ?? [];
  if (synced.length === 0) return undefined;
  if (synced.some((at) => at === null)) return null;
  return Math.min(...(synced as number[]));
}

function unavailableTimes(params: {
  host: HostAvailabilityData;
  range: { from: Date; to: Date };
  nowMs: number;
  policy: CalendarFreshnessPolicy;
}): Array<{ start: number; end: number; reason: string }> {
  const fromMs = params.range.from.getTime();
  const toMs = params.range.to.getTime();
  const cut = params.host.calendarsIncompleteFromMs ?? null;
  // A calendar read only up to a point (an .ics feed cut at its budget) vouches for nothing after it.
  const truncated =
    cut !== null && cut < toMs
      ? [
          {
            start: Math.max(fromMs, cut),
            end: toMs,
            reason: `beyond ${new Date(cut).toISOString()}, where a connected calendar was cut short (too many occurrences to read; see the connection's warnings)`,
          },
        ]
      : [];
  return [...truncated, ...freshnessTimes({ ...params, fromMs, toMs })];
}

function freshnessTimes(params: {
  host: HostAvailabilityData;
  fromMs: number;
  toMs: number;
  nowMs: number;
  policy: CalendarFreshnessPolicy;
}): Array<{ start: number; end: number; reason: string }> {
  const { fromMs, toMs } = params;
  const asOf = calendarsAsOfMs(params.host);
  if (asOf === undefined) return [];
  if (asOf === null || params.nowMs - asOf > params.policy.staleAfterMs) {
    if (params.policy.stale === "block") {
      const since =
        asOf === null ? "has not synced yet" : `has not synced since ${new Date(asOf).toISOString()}`;
      return [
        {
          start: fromMs,
          end: toMs,
          reason: `a connected calendar ${since}: the host is not offered until it syncs (STALE_CALENDAR_POLICY=block)`,
        },
      ];
    }
    if (asOf === null) return [];
  }
  const listedUntil = params.host.calendarsSyncedUntilMs ?? null;
  const coveredUntil = Math.min(
    asOf + params.policy.windowDays * 86_400_000,
    listedUntil ?? Number.POSITIVE_INFINITY,
  );
  if (coveredUntil >= toMs) return [];
  return [
    {
      start: Math.max(fromMs, coveredUntil),
      end: toMs,
      reason:
        listedUntil !== null && coveredUntil === listedUntil
          ? `beyond ${new Date(coveredUntil).toISOString()}, where a connected calendar's last sync ended (a longer horizon since): the host is not offered there until it syncs`
          : `beyond ${new Date(coveredUntil).toISOString()}, how far ahead the host's calendars are synced`,
    },
  ];
}

export function buildAvailabilityRequest(params: {
  range: { from: Date; to: Date };
  now: Date;
  inviteeTimeZone: string;
  durationMinutes: number;
  mode: "single" | "collective" | "round-robin";
  rules: EventTypeRules;
  hosts: HostAvailabilityData[];
  freshness?: CalendarFreshnessPolicy;
}): AvailabilityRequest {
  const freshness = params.freshness ?? DEFAULT_FRESHNESS;
  const nowMs = params.now.getTime();
  const { rules } = params;
  return {
    range: { from: params.range.from.toISOString(), to: params.range.to.toISOString() },
    now: params.now.toISOString(),
    inviteeTimeZone: params.inviteeTimeZone,
    eventType: {
      durationMinutes: params.durationMinutes,
      ...(rules.stepMinutes ? { stepMinutes: rules.stepMinutes } : {}),
      bufferBeforeMinutes: rules.bufferBeforeMinutes,
      bufferAfterMinutes: rules.bufferAfterMinutes,
      minimumNoticeMinutes: rules.minimumNoticeMinutes,
      mode: params.mode,
      ...(rules.horizon ? { horizon: rules.horizon } : {}),
      ...(rules.limits ? { limits: rules.limits } : {}),
      ...(rules.startAlignmentMinutes ? { startAlignmentMinutes: rules.startAlignmentMinutes } : {}),
      ...(rules.blockingStatuses ? { blockingStatuses: rules.blockingStatuses } : {}),
    },
    hosts: params.hosts.map((host) => ({
      id: host.hostId,
      timeZone: host.schedule?.timeZone ?? host.hostTimeZone,
      weekly: host.schedule?.weekly ?? {},
      overrides: host.schedule?.overrides ?? [],
      outOfOffice: (host.schedule?.outOfOffice ?? []).map((range) => ({
        start: range.start,
        end: range.end,
      })),
      unavailable: unavailableTimes({ host, range: params.range, nowMs, policy: freshness }),
      busy: host.busy.map((interval) => ({
        start: interval.startMs,
        end: interval.endMs,
        source: interval.sourceRef,
        status: interval.status,
      })),
      bookings: host.bookings.map((booking) => ({
        id: booking.id,
        start: booking.startMs,
        end: booking.endMs,
        bufferBeforeMinutes: booking.bufferBeforeMinutes,
        bufferAfterMinutes: booking.bufferAfterMinutes,
        ...(booking.held ? { held: true } : {}),
      })),
    })),
  };
}
