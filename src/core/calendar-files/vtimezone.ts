import { Temporal } from "temporal-polyfill";
import { icsLine } from "./ics-lines.ts";
import { formatIcsLocal, formatIcsUtcOffset, wallClockAt } from "./ics-values.ts";

/**
 * A VTIMEZONE (RFC 5545 §3.6.5) derived from the IANA rules that Temporal knows, so that a TZID in
 * the file never depends on the receiver's tz database (Outlook resolves only Windows names, and a
 * TZID without VTIMEZONE is read as floating time by ical.js and others).
 *
 * Transitions are taken over whole years around the events: from the year before the first event to
 * the year after the last. When every year in that window has the same two transitions
 * (e.g. "last Sunday of March at 02:00"), they become one STANDARD and one DAYLIGHT block with a yearly
 * RRULE, which is what Outlook, Apple Calendar and Google write themselves. Otherwise (a zone that
 * changed its rules in the window) each transition gets its own block; a zone without transitions
 * gets a single STANDARD block.
 */
export function renderVTimezone(params: {
  timeZone: string;
  from: Temporal.Instant;
  to: Temporal.Instant;
}): string[] {
  const zone = params.from.toZonedDateTimeISO(params.timeZone).timeZoneId;
  const firstYear = params.from.toZonedDateTimeISO(zone).year - 1;
  const lastYear = params.to.toZonedDateTimeISO(zone).year + 1;
  const rangeStart = Temporal.PlainDate.from({ year: firstYear, month: 1, day: 1 }).toZonedDateTime(zone);
  const rangeEnd = Temporal.PlainDate.from({ year: lastYear + 1, month: 1, day: 1 }).toZonedDateTime(zone);
  const transitions = transitionsBetween(rangeStart, rangeEnd);

  let blocks: string[][];
  if (transitions.length === 0) {
    const previous = rangeStart.getTimeZoneTransition("previous");
    const offset = rangeStart.offsetNanoseconds;
    blocks = [
      previous
        ? observance(toTransition(previous), "STANDARD")
        : observanceLines("STANDARD", "19700101T000000", offset, offset),
    ];
  } else {
    blocks = yearlyRules(transitions, firstYear, lastYear) ?? individualBlocks(rangeStart, transitions);
  }
  return ["BEGIN:VTIMEZONE", icsLine("TZID", zone), ...blocks.flat(), "END:VTIMEZONE"];
}

interface Transition {
  /** Wall-clock time just before the transition, in the old offset (RFC 5545 observance DTSTART). */
  localStart: Temporal.PlainDateTime;
  offsetFrom: number;
  offsetTo: number;
}

type ObservanceKind = "STANDARD" | "DAYLIGHT";

function transitionsBetween(start: Temporal.ZonedDateTime, end: Temporal.ZonedDateTime): Transition[] {
  const found: Transition[] = [];
  let next = start.getTimeZoneTransition("next");
  while (next && Temporal.ZonedDateTime.compare(next, end) < 0) {
    found.push(toTransition(next));
    next = next.getTimeZoneTransition("next");
  }
  return found;
}

function toTransition(at: Temporal.ZonedDateTime): Transition {
  const offsetFrom = at.subtract({ nanoseconds: 1 }).offsetNanoseconds;
  return { localStart: wallClockAt(at.toInstant(), offsetFrom), offsetFrom, offsetTo: at.offsetNanoseconds };
}

function kindOf(transition: Transition): ObservanceKind {
  return transition.offsetTo > transition.offsetFrom ? "DAYLIGHT" : "STANDARD";
}

function observance(
  transition: Transition,
  kind: ObservanceKind = kindOf(transition),
  rrule?: string,
): string[] {
  const { localStart, offsetFrom, offsetTo } = transition;
  return observanceLines(kind, formatIcsLocal(localStart), offsetFrom, offsetTo, rrule);
}

function observanceLines(
  kind: ObservanceKind,
  dtstart: string,
  from: number,
  to: number,
  rrule?: string,
): string[] {
  return [
    `BEGIN:${kind}`,
    icsLine("DTSTART", dtstart),
    ...(rrule ? [icsLine("RRULE", rrule)] : []),
    icsLine("TZOFFSETFROM", formatIcsUtcOffset(from)),
    icsLine("TZOFFSETTO", formatIcsUtcOffset(to)),
    `END:${kind}`,
  ];
}

/** One block per transition, plus the one in force when the window opens so that no instant is uncovered. */
function individualBlocks(rangeStart: Temporal.ZonedDateTime, transitions: Transition[]): string[][] {
  const previous = rangeStart.getTimeZoneTransition("previous");
  const all = previous ? [toTransition(previous), ...transitions] : transitions;
  return all.map((transition) => observance(transition));
}

const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;

/** The yearly RRULE of a transition set, or undefined when the set follows no single "nth weekday" rule. */
function yearlyRules(transitions: Transition[], firstYear: number, lastYear: number): string[][] | undefined {
  const years = lastYear - firstYear + 1;
  const byKind = (kind: ObservanceKind) => transitions.filter((t) => kindOf(t) === kind);
  const groups = [byKind("STANDARD"), byKind("DAYLIGHT")];
  if (groups.some((group) => group.length !== years)) return undefined;
  const blocks: string[][] = [];
  for (const group of groups) {
    const rule = commonRule(group);
    const first = group[0];
    if (!rule || !first) return undefined;
    blocks.push(observance(first, kindOf(first), rule));
  }
  return blocks;
}

function commonRule(group: Transition[]): string | undefined {
  const ruleOf = (t: Transition, nth: number): string =>
    `FREQ=YEARLY;BYMONTH=${t.localStart.month};BYDAY=${nth}${WEEKDAYS[t.localStart.dayOfWeek - 1]}`;
  const signature = (t: Transition): string =>
    [t.localStart.toPlainTime().toString(), t.offsetFrom, t.offsetTo].join("|");
  const candidates = (t: Transition): string[] => {
    const { day, daysInMonth } = t.localStart;
    const rules = [ruleOf(t, Math.ceil(day / 7))];
    if (day + 7 > daysInMonth) rules.push(ruleOf(t, -1));
    return rules;
  };
  const [first, ...rest] = group;
  if (!first || rest.some((t) => signature(t) !== signature(first))) return undefined;
  // Prefer "-1" (last weekday) when it fits every year: "last Sunday" is 4SU in some years and 5SU in others.
  return candidates(first)
    .reverse()
    .find((rule) => rest.every((t) => candidates(t).includes(rule)));
}
