import { unescapeText } from "./content-line.ts";
import { readTime, readTimeList } from "./ical-time.ts";
import { firstProperty, type IcalComponent } from "./parse-calendar.ts";
import { expandRecurrenceRule, parseRecurrenceRule } from "./recurrence-rule.ts";
import { err, ok, type Result } from "./result.ts";
import { localToUtcWith, type ZoneRules } from "./zone-rules.ts";

// Transitions are computed from 1970 to 2200 (wall clock); earlier and later times keep the nearest offset.
// Outlook starts its observances in 1601: iterating 370 years of yearly rules through ical.js cost ~100 ms a
// zone, and no calendar feed needs zone history before 1970.
const FIRST_TRANSITION_SECONDS = Date.UTC(1970, 0, 1) / 1000;
const LAST_TRANSITION_SECONDS = Date.UTC(2200, 0, 1) / 1000;
const YEAR = 365.2425 * 86_400;

interface Transition {
  at: number;
  offset: number;
}

/** `+0100`, `-0500`, `+053000` (RFC 5545 section 3.3.14) to seconds. */
export function parseUtcOffset(value: string): number | null {
  const match = /^([+-])(\d{2})(\d{2})(\d{2})?$/.exec(value.trim());
  if (!match) return null;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0);
  return match[1] === "-" ? -seconds : seconds;
}

/** The onsets of one STANDARD or DAYLIGHT observance as UTC transitions (RFC 5545 section 3.6.5). */
function observanceTransitions(observance: IcalComponent): Result<Transition[], string> {
  const from = parseUtcOffset(firstProperty(observance, "TZOFFSETFROM")?.value ?? "");
  const to = parseUtcOffset(firstProperty(observance, "TZOFFSETTO")?.value ?? "");
  const dtstartProperty = firstProperty(observance, "DTSTART");
  if (from === null || to === null || !dtstartProperty) {
    return err(`${observance.name} of line ${observance.line} needs DTSTART, TZOFFSETFROM and TZOFFSETTO`);
  }
  const dtstart = readTime(dtstartProperty);
  if (!dtstart.ok) return err(dtstart.error);
  const onsets = [dtstart.value.local];
  for (const property of observance.properties) {
    if (property.name === "RDATE") {
      const rdates = readTimeList(property);
      if (rdates.ok) onsets.push(...rdates.value.map((rdate) => rdate.start.local));
    } else if (property.name === "RRULE") {
      const rule = parseRecurrenceRule(property.value);
      if (!rule.ok) return err(rule.error);
      // UNTIL in a VTIMEZONE is UTC; move it to the wall clock the onsets are written in.
      const until = rule.value.until;
      const untilLocal =
        until === null
          ? null
          : until.local + (until.kind === "date-time" && until.zone.type === "utc" ? from : 0);
      // A yearly rule can start on the same day of a later year without changing what it produces after it.
      let startLocal = onsets[0]!;
      if (
        /FREQ=YEARLY/i.test(rule.value.text) &&
        !/COUNT=/i.test(rule.value.text) &&
        startLocal < FIRST_TRANSITION_SECONDS
      ) {
        const start = new Date(startLocal * 1000);
        const years = Math.floor((FIRST_TRANSITION_SECONDS - startLocal) / YEAR);
        start.setUTCFullYear(
          start.getUTCFullYear() + years,
          start.getUTCMonth(),
          Math.min(start.getUTCDate(), 28),
        );
        startLocal = start.getTime() / 1000;
      }
      const expansion = expandRecurrenceRule({
        rule: rule.value,
        startLocal,
        allDay: false,
        untilLocal,
        collectFrom: Number.NEGATIVE_INFINITY,
        limit: LAST_TRANSITION_SECONDS,
        budget: { steps: 5_000 },
      });
      if (expansion.error) return err(expansion.error);
      onsets.push(...expansion.starts);
    }
  }
  // The onset is written in the offset in force before it (TZOFFSETFROM).
  return ok(onsets.map((onset) => ({ at: onset - from, offset: to })));
}

/**
 * Rules from a VTIMEZONE. Computed here rather than by ical.js because ical.js resolves DST gaps and repeated
 * hours differently from RFC 5545 (a 02:30 in a spring-forward gap came out as 01:30 standard time).
 */
export function vtimezoneRules(vtimezone: IcalComponent): Result<ZoneRules, string> {
  // Feeds are re-read on every poll with the same VTIMEZONEs: remember the rules by the component's text.
  const key = componentKey(vtimezone);
  const cached = rulesCache.get(key);
  if (cached) return cached;
  const rules = buildRules(vtimezone);
  if (rulesCache.size >= 200) rulesCache.clear();
  rulesCache.set(key, rules);
  return rules;
}

const rulesCache = new Map<string, Result<ZoneRules, string>>();

function componentKey(component: IcalComponent): string {
  const lines = component.properties.map((p) => `${p.name};${JSON.stringify(p.params)}:${p.value}`);
  return `${component.name}{${lines.join("\n")}${component.components.map(componentKey).join("")}}`;
}

/** The TZID of a VTIMEZONE, unescaped (a TEXT value), or "" when it has none. */
export function vtimezoneTzid(vtimezone: IcalComponent): string {
  const property = firstProperty(vtimezone, "TZID");
  return property ? unescapeText(property.value).trim() : "";
}

function buildRules(vtimezone: IcalComponent): Result<ZoneRules, string> {
  const tzid = vtimezoneTzid(vtimezone);
  if (tzid === "") return err(`VTIMEZONE of line ${vtimezone.line} has no TZID`);
  const transitions: Transition[] = [];
  let initialOffset: number | null = null;
  let earliest = Number.POSITIVE_INFINITY;
  for (const observance of vtimezone.components) {
    if (observance.name !== "STANDARD" && observance.name !== "DAYLIGHT") continue;
    const observed = observanceTransitions(observance);
    if (!observed.ok) return err(`VTIMEZONE ${tzid}: ${observed.error}`);
    transitions.push(...observed.value);
    const first = observed.value.reduce((min, t) => (t.at < min.at ? t : min), observed.value[0]!);
    if (first.at < earliest) {
      earliest = first.at;
      initialOffset = parseUtcOffset(firstProperty(observance, "TZOFFSETFROM")?.value ?? "");
    }
  }
  if (transitions.length === 0 || initialOffset === null) {
    return err(`VTIMEZONE ${tzid} has no STANDARD or DAYLIGHT observance`);
  }
  transitions.sort((a, b) => a.at - b.at);
  const before = initialOffset;
  const offsetAt = (utcSeconds: number): number => {
    // Binary search for the last transition at or before the instant.
    let low = 0;
    let high = transitions.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (transitions[middle]!.at <= utcSeconds) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found < 0 ? before : transitions[found]!.offset;
  };
  return ok({
    id: tzid,
    toUtc: (localSeconds) => localToUtcWith(offsetAt, localSeconds),
    toLocal: (utcSeconds) => utcSeconds + offsetAt(utcSeconds),
  });
}
