import { findLimitViolation } from "./booking-limits.ts";
import type { EngineRules } from "./engine-rules.ts";
import type { HostPlan } from "./host-plan.ts";
import { gridAnchor, workingWindows } from "./working-windows.ts";
import { localEpochDay } from "./zone-offsets.ts";

/** Grid points inside working windows that also fall in [lowerMs, upperMs), ascending and unique. */
export function candidateStarts(plan: HostPlan, rules: EngineRules): number[] {
  const { lowerMs, upperMs } = plan;
  const starts: number[] = [];
  if (upperMs <= lowerMs) return starts;
  // A window starts on its own local date and ends before the end of the next one, so the date before
  // lowerMs is the first that can reach into the range.
  const firstDay = localEpochDay(plan.zone, lowerMs) - 1;
  const lastDay = localEpochDay(plan.zone, upperMs - 1);
  const { durationMs, stepMs } = rules;
  let previous = Number.NEGATIVE_INFINITY;
  let ordered = true;
  for (const window of workingWindows(plan, firstDay, lastDay)) {
    const lastStart = Math.min(window.endMs - durationMs, upperMs - 1);
    let start = gridAnchor(plan, rules, window.startMs);
    if (start < lowerMs) start += Math.ceil((lowerMs - start) / stepMs) * stepMs;
    for (; start <= lastStart; start += stepMs) {
      if (start <= previous) ordered = false;
      starts.push(start);
      previous = start;
    }
  }
  if (ordered) return starts;
  // Overlapping windows (an interval past midnight meeting the next date's hours): restore order.
  starts.sort((a, b) => a - b);
  return starts.filter((start, index) => index === 0 || start !== starts[index - 1]);
}

/**
 * Bookable slot starts of one host, ascending. A start s is bookable when [s - bufferBefore,
 * s + duration + bufferAfter) misses every blocked interval and one more booking fits the limits of
 * s's local date. Candidates and blocked intervals are both sorted, so one forward pointer suffices.
 */
export function computeHostStarts(plan: HostPlan, rules: EngineRules): number[] {
  const candidates = candidateStarts(plan, rules);
  const blockedStarts = plan.blockedStartsMs;
  const blockedEnds = plan.blockedEndsMs;
  const blockedCount = blockedStarts.length;
  const before = rules.bufferBeforeMs;
  const reach = rules.durationMs + rules.bufferAfterMs;
  const usage = plan.usage;
  let lastDay = Number.NaN;
  let lastDayAllowed = true;
  let pointer = 0;
  const bookable: number[] = [];
  for (const start of candidates) {
    const low = start - before;
    while (pointer < blockedCount && (blockedEnds[pointer] as number) <= low) pointer++;
    if (pointer < blockedCount && (blockedStarts[pointer] as number) < start + reach) continue;
    if (usage !== undefined) {
      const day = localEpochDay(plan.zone, start);
      if (day !== lastDay) {
        lastDay = day;
        lastDayAllowed =
          findLimitViolation({
            usage,
            perDay: rules.perDay,
            perWeek: rules.perWeek,
            day,
            durationMinutes: rules.durationMinutes,
          }) === null;
      }
      if (!lastDayAllowed) continue;
    }
    bookable.push(start);
  }
  return bookable;
}
