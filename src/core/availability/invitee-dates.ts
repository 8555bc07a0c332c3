import type { Slot } from "./compute-slots.ts";
import { parseInstant } from "./instant-text.ts";
import { DAY_MS, isoDateFromEpochDay } from "./wall-time.ts";
import { loadZoneOffsets, localEpochDay } from "./zone-offsets.ts";

/**
 * Slots grouped by the invitee's local date of their start ("YYYY-MM-DD" keys in ascending order), the
 * only use of the invitee's time zone: a booking page shows one list per day of the invitee's calendar.
 */
export function groupSlotsByLocalDate(params: {
  slots: readonly Slot[];
  timeZone: string;
}): Record<string, Slot[]> {
  const { slots, timeZone } = params;
  const groups: Record<string, Slot[]> = {};
  const first = slots[0];
  const last = slots[slots.length - 1];
  if (first === undefined || last === undefined) return groups;
  const zone = loadZoneOffsets({
    timeZone,
    fromMs: parseInstant(first.start) - DAY_MS,
    toMs: parseInstant(last.start) + DAY_MS,
  });
  let currentDay = Number.NaN;
  let current: Slot[] = [];
  for (const slot of slots) {
    const day = localEpochDay(zone, parseInstant(slot.start));
    if (day !== currentDay) {
      currentDay = day;
      current = groups[isoDateFromEpochDay(day)] ??= [];
    }
    current.push(slot);
  }
  return groups;
}
