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
  }>;
  busy: Array<{
    startMs: number;
    endMs: number;
    status: "busy" | "tentative" | "free" | "out_of_office";
    sourceRef: string;
  }>;
}

export function buildAvailabilityRequest(params: {
  range: { from: Date; to: Date };
  now: Date;
  inviteeTimeZone: string;
  durationMinutes: number;
  mode: "single" | "collective" | "round-robin";
  rules: EventTypeRules;
  hosts: HostAvailabilityData[];
}): AvailabilityRequest {
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
      })),
    })),
  };
}
