import { intersectStarts, unionStarts } from "./combine-hosts.ts";
import { prepareRules } from "./engine-rules.ts";
import { buildHostPlan } from "./host-plan.ts";
import { computeHostStarts } from "./host-slots.ts";
import { createInstantFormatter } from "./instant-text.ts";
import type { AvailabilityRequest } from "./request-schema.ts";
import { createZoneCache } from "./zone-offsets.ts";

/** A bookable slot: UTC instants `YYYY-MM-DDTHH:MM:SSZ`, and the hosts free for it. */
export interface Slot {
  start: string;
  end: string;
  hostIds: string[];
}

/** The same slot in epoch milliseconds, for callers that keep computing on instants. */
export interface EpochSlot {
  startMs: number;
  endMs: number;
  hostIds: string[];
}

/**
 * Slots in epoch milliseconds, sorted by start. The request must satisfy `availabilityRequestSchema`
 * (parse untrusted input with `parseAvailabilityRequest` first).
 */
export function computeEpochSlots(request: AvailabilityRequest): EpochSlot[] {
  const rules = prepareRules(request);
  const zoneFor = createZoneCache({ fromMs: rules.zoneFromMs, toMs: rules.zoneToMs });
  const hostIds = request.hosts.map((host) => host.id);
  const hostStarts = (host: AvailabilityRequest["hosts"][number]): number[] =>
    computeHostStarts(buildHostPlan({ host, rules, zoneFor }), rules);
  const durationMs = rules.durationMs;
  if (rules.mode === "round-robin") {
    const { starts, hostIndexes } = unionStarts(request.hosts.map(hostStarts));
    return starts.map((startMs, index) => ({
      startMs,
      endMs: startMs + durationMs,
      hostIds: hostIndexes[index]!.map((hostIndex) => hostIds[hostIndex]!),
    }));
  }
  // Collective (single is the one-host case): intersect host by host, and stop at the first empty
  // intersection, since no later host can add a time back.
  let common: number[] | undefined;
  for (const host of request.hosts) {
    const starts = hostStarts(host);
    common = common === undefined ? starts : intersectStarts(common, starts);
    if (common.length === 0) break;
  }
  return (common ?? []).map((startMs) => ({
    startMs,
    endMs: startMs + durationMs,
    hostIds: hostIds.slice(),
  }));
}

/** Bookable slots, sorted by start; each lists the hosts free for it (all hosts unless round-robin). */
export function computeSlots(request: AvailabilityRequest): Slot[] {
  const format = createInstantFormatter();
  return computeEpochSlots(request).map((slot) => ({
    start: format(slot.startMs),
    end: format(slot.endMs),
    hostIds: slot.hostIds,
  }));
}
