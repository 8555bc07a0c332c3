import { intersectStarts } from "./combine-hosts.ts";
import { type EngineRules, prepareRules } from "./engine-rules.ts";
import { horizonText, noticeText } from "./explain.ts";
import { buildHostPlan, type HostPlan } from "./host-plan.ts";
import { candidateStarts, computeHostStarts } from "./host-slots.ts";
import { parseInstant } from "./instant-text.ts";
import type { AvailabilityRequest } from "./request-schema.ts";
import { formatUtcInstant } from "./wall-time.ts";
import { createZoneCache } from "./zone-offsets.ts";

export const NO_SLOTS_CODES = [
  "no_schedule",
  "minimum_notice",
  "horizon",
  "no_working_hours",
  "fully_booked",
  "calendar_unavailable",
  "no_common_time",
] as const;
export type NoSlotsCode = (typeof NO_SLOTS_CODES)[number];

/**
 * Why a range has no slot at all. The message is meant for the invitee's booking page: it names rules and
 * instants, never what blocks the time (no calendar entries, no other bookings).
 */
export interface NoSlotsReason {
  code: NoSlotsCode;
  message: string;
  /** The host the reason is about; absent for reasons about the hosts together. */
  hostId?: string;
}

/**
 * How far one host gets towards a slot, in the order the engine applies its rules: working hours at all, then the
 * range cut by notice and horizon, then working hours inside what is left, then busy time, buffers and limits.
 */
const FREE = 4;
type HostOutcome = { stage: number; reason: NoSlotsReason } | { stage: typeof FREE; starts: number[] };

function hasAnyHours(plan: HostPlan): boolean {
  return (
    plan.weekly.some((intervals) => intervals.length > 0) ||
    [...plan.overrides.values()].some((intervals) => intervals.length > 0)
  );
}

function boundReason(plan: HostPlan, rules: EngineRules): Omit<NoSlotsReason, "hostId"> {
  const range = `${formatUtcInstant(rules.fromMs)} to ${formatUtcInstant(rules.toMs)}`;
  if (rules.toMs <= rules.earliestStartMs) {
    return rules.toMs <= rules.nowMs
      ? { code: "minimum_notice", message: `the range ${range} lies in the past` }
      : { code: "minimum_notice", message: `the range ${range} ends too soon: ${noticeText(rules)}` };
  }
  return {
    code: "horizon",
    message: `the range ${range} lies outside the booking horizon: ${horizonText(plan, rules)}`,
  };
}

function hostOutcome(plan: HostPlan, rules: EngineRules): HostOutcome {
  const hostId = plan.host.id;
  if (!hasAnyHours(plan)) {
    return {
      stage: 0,
      reason: { code: "no_schedule", hostId, message: "no working hours are set (the host has no schedule)" },
    };
  }
  if (plan.upperMs <= plan.lowerMs) return { stage: 1, reason: { ...boundReason(plan, rules), hostId } };
  if (candidateStarts(plan, rules).length === 0) {
    return {
      stage: 2,
      reason: {
        code: "no_working_hours",
        hostId,
        message: `no working hours from ${formatUtcInstant(plan.lowerMs)} to ${formatUtcInstant(plan.upperMs)} fit a ${rules.durationMinutes}-minute slot (${plan.host.timeZone})`,
      },
    };
  }
  const starts = computeHostStarts(plan, rules);
  // A connected calendar the service can't vouch for (stale, or not synced this far ahead) comes first: it is the
  // one thing the host can fix.
  const unknown = (plan.host.unavailable ?? []).find(
    (entry) => parseInstant(entry.start) < plan.upperMs && parseInstant(entry.end) > plan.lowerMs,
  );
  if (starts.length === 0 && unknown) {
    return { stage: 3, reason: { code: "calendar_unavailable", hostId, message: unknown.reason } };
  }
  if (starts.length === 0) {
    return {
      stage: 3,
      reason: {
        code: "fully_booked",
        hostId,
        message: "every time in the range is taken (bookings, calendar entries, time off, buffers or limits)",
      },
    };
  }
  return { stage: FREE, starts };
}

/**
 * Why `computeSlots` finds nothing for the request, or null when it does find slots. Each host is followed as far
 * as it gets; round-robin reports the host that got furthest (the others are further from a slot), collective the
 * one that stopped first (it alone already rules the range out).
 */
export function explainNoSlots(request: AvailabilityRequest): NoSlotsReason | null {
  const rules = prepareRules(request);
  const zoneFor = createZoneCache({ fromMs: rules.zoneFromMs, toMs: rules.zoneToMs });
  const outcomes = request.hosts.map((host) => hostOutcome(buildHostPlan({ host, rules, zoneFor }), rules));
  if (rules.mode === "round-robin") {
    if (outcomes.some((outcome) => outcome.stage === FREE)) return null;
    const furthest = outcomes.reduce((best, outcome) => (outcome.stage > best.stage ? outcome : best));
    return "reason" in furthest ? furthest.reason : null;
  }
  const first = outcomes.reduce((worst, outcome) => (outcome.stage < worst.stage ? outcome : worst));
  if ("reason" in first) return first.reason;
  let common: number[] | undefined;
  for (const outcome of outcomes) {
    if (!("starts" in outcome)) continue;
    common = common === undefined ? outcome.starts : intersectStarts(common, outcome.starts);
  }
  if (common !== undefined && common.length > 0) return null;
  return { code: "no_common_time", message: "the hosts have no free time in common in the range" };
}
