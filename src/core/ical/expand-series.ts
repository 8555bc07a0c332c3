import { type EventSpan, endOf, spanOf, spanUpperBound } from "./event-span.ts";
import {
  type EventTime,
  formatPoint,
  localInFrame,
  pointInFrame,
  startOfDay,
  type TimePoint,
  toPoint,
} from "./event-time.ts";
import type { IcalProblem } from "./ical-problem.ts";
import type { Occurrence } from "./occurrence.ts";
import type { EventData } from "./read-event.ts";
import { type ExpansionBudget, expandRecurrenceRule } from "./recurrence-rule.ts";

/** The requested range as seconds; floating and DATE values are compared on the same (UTC) wall clock. */
export interface ExpansionRange {
  from: number;
  to: number;
}

/** An occurrence with its start as a number (UTC seconds, or wall-clock seconds when floating or all-day). */
export interface KeyedOccurrence {
  key: number;
  occurrence: Occurrence;
}

export interface SeriesExpansion {
  occurrences: KeyedOccurrence[];
  capped: boolean;
  /**
   * When capped: the key (range clock) from which instances may be missing. The walk is in time order, so every
   * instance before the last one it reached is there; after it, nothing can be vouched for.
   */
  cutAt: number | null;
}

// Zones are at most 14 hours from UTC: a day of margin covers a zone's wall clock against a UTC range. UTC,
// floating and DATE series are compared on the same clock as the range and need none.
const ZONE_MARGIN = 86_400;

function overlaps(start: TimePoint, end: TimePoint, range: ExpansionRange): boolean {
  if (end.seconds <= start.seconds) return start.seconds >= range.from && start.seconds < range.to;
  return start.seconds < range.to && end.seconds > range.from;
}

function occurrenceOf(params: {
  source: EventData;
  start: TimePoint;
  end: TimePoint;
  recurrenceId: TimePoint | null;
  zone: string | undefined;
}): KeyedOccurrence {
  const { source, start, end, recurrenceId, zone } = params;
  const occurrence: Occurrence = {
    uid: source.uid,
    recurrenceId: recurrenceId ? formatPoint(recurrenceId) : null,
    start: formatPoint(start),
    end: formatPoint(end.seconds < start.seconds ? start : end),
    allDay: start.kind === "date",
    floating: start.kind === "floating",
    summary: source.summary,
    status: source.status,
    transparency: source.transparency,
    sequence: source.sequence,
  };
  if (start.kind === "utc" && zone) occurrence.timeZone = zone;
  occurrence.agenda = source.agenda;
  return { key: start.seconds, occurrence };
}

/** The single occurrence of an event that does not recur, or of an override, with its own times. */
function standalone(
  event: EventData,
  recurrenceId: TimePoint | null,
  range: ExpansionRange,
): KeyedOccurrence[] {
  const start = toPoint(event.start);
  const end = endOf(event.start, event.start.local, start, spanOf(event));
  if (!overlaps(start, end, range)) return [];
  return [occurrenceOf({ source: event, start, end, recurrenceId, zone: event.start.zone?.id })];
}

/** A THISANDFUTURE override re-times every later instance: same shift, its own span and properties. */
interface FutureChange {
  slot: number;
  shift: number;
  span: EventSpan;
  source: EventData;
}

/**
 * Expand one UID: the master's RRULE/RDATE set minus EXDATEs (DTSTART always counts, RFC 5545 section
 * 3.8.5.3), each instance replaced by the override whose RECURRENCE-ID names its slot, later instances re-timed
 * by RANGE=THISANDFUTURE overrides (section 3.8.4.4). Slots are compared as instants in the master's zone, so
 * an EXDATE in UTC still removes a 09:00 Europe/Berlin instance.
 */
export function expandSeries(params: {
  master: EventData | null;
  overrides: EventData[];
  range: ExpansionRange;
  budget: ExpansionBudget;
  problems: IcalProblem[];
}): SeriesExpansion {
  const { master, overrides, range, budget, problems } = params;
  if (!master) {
    const occurrences = overrides.flatMap((event) =>
      standalone(event, event.recurrenceId ? toPoint(event.recurrenceId) : null, range),
    );
    return { occurrences, capped: false, cutAt: null };
  }
  if (master.rrules.length === 0 && master.rdates.length === 0) {
    return { occurrences: standalone(master, null, range), capped: false, cutAt: null };
  }
  const frame = master.start;
  const keyOf = (time: EventTime): number => pointInFrame(frame, localInFrame(frame, time)).seconds;
  const span = spanOf(master);

  // Overrides by slot; the highest SEQUENCE wins, then the later one in the file.
  const bySlot = new Map<number, EventData>();
  for (const override of overrides) {
    const slot = keyOf(override.recurrenceId!);
    const previous = bySlot.get(slot);
    if (!previous || override.sequence >= previous.sequence) bySlot.set(slot, override);
  }
  const excludedSlots = new Set<number>();
  const excludedDays = new Set<number>();
  for (const exdate of master.exdates) {
    // A DATE EXDATE on a timed series removes the instances of that day (seen in hand-edited feeds).
    if (exdate.allDay && !frame.allDay) excludedDays.add(startOfDay(exdate.local));
    else excludedSlots.add(keyOf(exdate));
  }
  const isExcluded = (slot: number, local: number): boolean =>
    excludedSlots.has(slot) || excludedDays.has(startOfDay(local));

  // An override of an instance the series does not have (its RRULE changed, or an EXDATE removed the slot) is
  // kept as an occurrence of its own when written against the current master (SEQUENCE >= the master's): some
  // exporters write EXDATE plus the moved instance, and ical.js / Google keep such orphans. With a lower SEQUENCE
  // it is stale, left over from before the master changed, and creates no time. A lower SEQUENCE alone is not
  // stale: Google exports overrides at SEQUENCE 0 under masters edited since.
  const produces = (local: number): boolean => {
    if (local === frame.local || master.rdates.some((rdate) => localInFrame(frame, rdate.start) === local)) {
      return true;
    }
    return master.rrules.some(({ rule, until }) => {
      const expansion = expandRecurrenceRule({
        rule,
        startLocal: frame.local,
        allDay: frame.allDay,
        untilLocal: until ? localInFrame(frame, until) : null,
        collectFrom: local,
        limit: local,
        budget,
      });
      return expansion.starts.includes(local);
    });
  };
  for (const [slot, override] of bySlot) {
    if (override.sequence >= master.sequence) continue;
    const local = localInFrame(frame, override.recurrenceId!);
    if (!isExcluded(slot, local) && produces(local)) continue;
    bySlot.delete(slot);
    problems.push({
      severity: "warning",
      line: override.line,
      message: `RECURRENCE-ID ${formatPoint(pointInFrame(frame, local))} (SEQUENCE ${override.sequence}) names no instance of the series of UID ${master.uid} (SEQUENCE ${master.sequence}): stale override ignored`,
    });
  }

  const futureChanges: FutureChange[] = [...bySlot.entries()]
    .filter(([, override]) => override.thisAndFuture)
    .map(([slot, override]) => ({
      slot,
      shift: keyOf(override.start) - slot,
      span: spanOf(override),
      source: override,
    }))
    .sort((a, b) => a.slot - b.slot);
  const maxShift = futureChanges.reduce((max, change) => Math.max(max, Math.abs(change.shift)), 0);

  // Instance wall clocks, in the master's frame.
  const margin = frame.zone && frame.zone.id !== "UTC" ? ZONE_MARGIN : 0;
  const collectFrom = range.from - margin - spanUpperBound(span) - maxShift;
  const limit = range.to + margin + maxShift;
  const instances = new Map<number, { local: number; end: TimePoint | null }>();
  const addInstance = (local: number, end: TimePoint | null): void => {
    const key = pointInFrame(frame, local).seconds;
    if (!instances.has(key)) instances.set(key, { local, end });
  };
  addInstance(frame.local, null);
  let capped = false;
  let cutAt: number | null = null;
  for (const { rule, until } of master.rrules) {
    const expansion = expandRecurrenceRule({
      rule,
      startLocal: frame.local,
      allDay: frame.allDay,
      untilLocal: until ? localInFrame(frame, until) : null,
      collectFrom,
      limit,
      budget,
    });
    if (expansion.error) problems.push({ severity: "warning", line: master.line, message: expansion.error });
    if (expansion.capped) {
      capped = true;
      const reached = expansion.starts[expansion.starts.length - 1] ?? collectFrom;
      // A THISANDFUTURE shift can move a missing instance earlier than the slot it was cut at.
      const cut = pointInFrame(frame, Math.max(reached, collectFrom)).seconds - maxShift;
      cutAt = cutAt === null ? cut : Math.min(cutAt, cut);
    }
    for (const local of expansion.starts) addInstance(local, null);
  }
  for (const rdate of master.rdates) {
    const local = localInFrame(frame, rdate.start);
    const end = rdate.end ? toPoint(rdate.end) : null;
    addInstance(
      local,
      end ??
        (rdate.duration
          ? endOf(frame, local, pointInFrame(frame, local), {
              type: "nominal",
              duration: rdate.duration,
            })
          : null),
    );
  }

  const occurrences: KeyedOccurrence[] = [];
  for (const [slot, instance] of instances) {
    const slotPoint = pointInFrame(frame, instance.local);
    const override = bySlot.get(slot);
    if (override) {
      for (const occurrence of standalone(override, slotPoint, range)) occurrences.push(occurrence);
      continue;
    }
    if (isExcluded(slot, instance.local)) continue;
    let change: FutureChange | undefined;
    for (const candidate of futureChanges) if (candidate.slot < slot) change = candidate;
    const local = instance.local;
    const startPoint = change
      ? { kind: slotPoint.kind, seconds: slotPoint.seconds + change.shift }
      : slotPoint;
    const end = change
      ? endOf(frame, local + change.shift, startPoint, change.span)
      : (instance.end ?? endOf(frame, local, startPoint, span));
    if (!overlaps(startPoint, end, range)) continue;
    occurrences.push(
      occurrenceOf({
        source: change?.source ?? master,
        start: startPoint,
        end,
        recurrenceId: slotPoint,
        zone: frame.zone?.id,
      }),
    );
  }
  // Overrides of slots outside the collected window, and current orphans (see above).
  for (const [slot, override] of bySlot) {
    if (!instances.has(slot))
      occurrences.push(...standalone(override, toPoint(override.recurrenceId!), range));
  }
  return { occurrences, capped, cutAt };
}
