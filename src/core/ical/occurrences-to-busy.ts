import { parsePointText } from "./event-time.ts";
import { formatUtcSeconds } from "./local-epoch.ts";
import type { Occurrence } from "./occurrence.ts";
import { resolveTimeZoneName, rulesForIana } from "./time-zone-resolver.ts";

/** A blocking interval as UTC instants, `YYYY-MM-DDTHH:MM:SSZ`, end exclusive. */
export interface BusyInterval {
  start: string;
  end: string;
}

/**
 * The time that occurrences block for a host. RFC 5545 section 3.8.2.7 and 3.8.1.11: CANCELLED and TRANSPARENT
 * occurrences do not block. All-day and floating occurrences have no zone of their own, so they are placed in
 * the host's zone (a holiday on 2024-12-25 blocks that day where the host is). Zero-length occurrences block
 * nothing. Throws on an unknown `hostTimeZone`: the caller validates host settings.
 */
export function occurrencesToBusy(params: {
  occurrences: readonly Occurrence[];
  hostTimeZone: string;
}): BusyInterval[] {
  const zone = resolveTimeZoneName(params.hostTimeZone);
  if (zone === null) throw new RangeError(`unknown host time zone "${params.hostTimeZone}"`);
  const host = rulesForIana(zone);
  const busy: BusyInterval[] = [];
  for (const occurrence of params.occurrences) {
    if (occurrence.status === "CANCELLED" || occurrence.transparency === "TRANSPARENT") continue;
    const start = parsePointText(occurrence.start);
    const end = parsePointText(occurrence.end);
    if (start === null || end === null) continue;
    const local = occurrence.allDay || occurrence.floating;
    const startUtc = local ? host.toUtc(start) : start;
    const endUtc = local ? host.toUtc(end) : end;
    if (endUtc <= startUtc) continue;
    busy.push({ start: formatUtcSeconds(startUtc), end: formatUtcSeconds(endUtc) });
  }
  return busy;
}
