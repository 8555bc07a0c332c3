import type { EngineRules } from "./engine-rules.ts";
import { type HostPlan, intervalsOnDay } from "./host-plan.ts";
import { DAY_MS, MINUTE_MS } from "./wall-time.ts";
import { localToInstant, offsetAt } from "./zone-offsets.ts";

/** A working interval of one local date as instants. Its real length follows DST changes inside it. */
export interface WorkingWindow {
  readonly day: number;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * Working windows of local dates firstDay..lastDay, in order of date. Windows of neighbouring dates can
 * overlap when an interval runs past midnight into the next date's hours.
 */
export function workingWindows(plan: HostPlan, firstDay: number, lastDay: number): WorkingWindow[] {
  const windows: WorkingWindow[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const midnight = day * DAY_MS;
    for (const [startMinutes, endMinutes] of intervalsOnDay(plan, day)) {
      const startMs = localToInstant(plan.zone, midnight + startMinutes * MINUTE_MS);
      const endMs = localToInstant(plan.zone, midnight + endMinutes * MINUTE_MS);
      // A window entirely inside a DST gap (02:00-03:00 on a spring-forward day) is empty.
      if (endMs > startMs) windows.push({ day, startMs, endMs });
    }
  }
  return windows;
}

/**
 * First grid point of a window: its start, or with start-time alignment the next wall-clock multiple of
 * the alignment (e.g. :00/:15/:30/:45) in the alignment zone (the host's by default), taken in the offset
 * in force at the window start. Slots then follow every `stepMs`.
 */
export function gridAnchor(plan: HostPlan, rules: EngineRules, windowStartMs: number): number {
  if (rules.alignmentMs === 0) return windowStartMs;
  const local = windowStartMs + offsetAt(plan.alignmentZone, windowStartMs);
  const aligned = Math.ceil(local / rules.alignmentMs) * rules.alignmentMs;
  return windowStartMs + (aligned - local);
}
