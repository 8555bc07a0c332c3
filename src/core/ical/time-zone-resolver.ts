import { Temporal } from "temporal-polyfill";
import { createLruMap } from "../lru-map.ts";
import { unescapeText } from "./content-line.ts";
import type { IcalProblem } from "./ical-problem.ts";
import { OUTLOOK_DISPLAY_NAME_TO_WINDOWS } from "./outlook-zone-names.ts";
import { firstProperty, type IcalComponent } from "./parse-calendar.ts";
import { vtimezoneRules, vtimezoneTzid } from "./vtimezone-rules.ts";
import { WINDOWS_ZONE_TO_IANA } from "./windows-zones.ts";
import { ianaZoneRules, UTC_RULES, type ZoneRules } from "./zone-rules.ts";

// TZIDs come from feeds anyone can publish: bounded like every map keyed by outside input.
const ianaCache = createLruMap<string, string | null>({ maxEntries: 2_000 });

/** The IANA id Temporal knows this name by (it accepts aliases such as `US/Eastern`), or null. */
function ianaId(name: string): string | null {
  const cached = ianaCache.get(name);
  if (cached !== undefined) return cached;
  let id: string | null = null;
  try {
    id = Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(name).timeZoneId;
  } catch {
    id = null;
  }
  ianaCache.set(name, id);
  return id;
}

const lowerCaseWindows = new Map(Object.entries(WINDOWS_ZONE_TO_IANA).map(([k, v]) => [k.toLowerCase(), v]));

let exemplarCities: Map<string, string> | null = null;

/** `amsterdam` -> `Europe/Amsterdam`, from the zones the runtime knows (Intl has no I/O). */
function cityToZone(city: string): string | null {
  if (exemplarCities === null) {
    exemplarCities = new Map();
    for (const zone of Intl.supportedValuesOf("timeZone")) {
      const city = zone.split("/").pop()!.replaceAll("_", " ").toLowerCase();
      if (!exemplarCities.has(city)) exemplarCities.set(city, zone);
    }
  }
  return exemplarCities.get(city.trim().toLowerCase()) ?? null;
}

const DISPLAY_PREFIX = /^\((?:UTC|GMT)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?\)\s*/i;
const OFFSET_ONLY = /^(?:UTC|GMT)\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i;

/**
 * Resolve a TZID to an IANA zone id: an IANA name or alias; a Windows id (`W. Europe Standard Time`, CLDR
 * windowsZones); an Outlook display name (`(UTC-05:00) Eastern Time (US & Canada)`, or by one of its cities);
 * a path-style id (`/mozilla.org/20050126_1/America/New_York`); a whole-hour `GMT+01:00`. Null when unknown.
 */
export function resolveTimeZoneName(name: string): string | null {
  const trimmed = name
    .trim()
    .replace(/^"(.*)"$/, "$1")
    .trim();
  if (trimmed === "") return null;
  if (/^(Z|UTC|GMT|Etc\/UTC)$/i.test(trimmed)) return "UTC";
  const direct = ianaId(trimmed);
  if (direct) return direct;
  const windows = lowerCaseWindows.get(trimmed.toLowerCase());
  if (windows) return windows;
  // An Outlook display name without its "(UTC+08:00) " prefix, as some exports write it.
  const bareDisplay = OUTLOOK_DISPLAY_NAME_TO_WINDOWS[trimmed.toLowerCase()];
  if (bareDisplay) return WINDOWS_ZONE_TO_IANA[bareDisplay] ?? null;
  const display = DISPLAY_PREFIX.exec(trimmed);
  if (display) {
    const description = trimmed.slice(display[0].length).toLowerCase();
    const windowsId = OUTLOOK_DISPLAY_NAME_TO_WINDOWS[description];
    if (windowsId) return WINDOWS_ZONE_TO_IANA[windowsId] ?? null;
    for (const city of description.split(/,|\/| and /)) {
      const zone = cityToZone(city);
      if (zone) return zone;
    }
  }
  const segments = trimmed.split("/").filter((segment) => segment !== "");
  for (let take = Math.min(3, segments.length - 1); take >= 2; take--) {
    const zone = ianaId(segments.slice(-take).join("/"));
    if (zone) return zone;
  }
  const offset = OFFSET_ONLY.exec(trimmed);
  if (offset && Number(offset[3] ?? 0) === 0 && Number(offset[2]) <= 14) {
    // Etc/GMT signs are inverted: UTC+1 is Etc/GMT-1.
    const hours = Number(offset[2]);
    return hours === 0 ? "UTC" : `Etc/GMT${offset[1] === "+" ? "-" : "+"}${hours}`;
  }
  return null;
}

/** Resolves the TZIDs of one VCALENDAR and its X-WR-TIMEZONE. */
export interface TimeZoneResolver {
  /** Rules for a TZID: its VTIMEZONE when present, otherwise the zone its name resolves to; null if neither. */
  resolve(tzid: string, line: number): ZoneRules | null;
  /** The zone of X-WR-TIMEZONE, applied to floating times (Google and Apple exports); null when absent. */
  floatingZone: ZoneRules | null;
}

const ianaRulesCache = new Map<string, ZoneRules>();

/** Rules of an IANA id, shared across calendars (they hold only a cache of offsets). */
export function rulesForIana(id: string): ZoneRules {
  if (id === "UTC") return UTC_RULES;
  let rules = ianaRulesCache.get(id);
  if (!rules) {
    rules = ianaZoneRules(id);
    ianaRulesCache.set(id, rules);
  }
  return rules;
}

/**
 * A VTIMEZONE in the file wins over the name (the producer said what it meant, RFC 5545 section 3.2.19); the
 * name is used only when the VTIMEZONE is missing or broken, which is common in Outlook feeds, where ical.js
 * would silently turn the time floating. Problems (unknown zone, broken VTIMEZONE) are appended to `problems`.
 */
export function createTimeZoneResolver(params: {
  calendar: IcalComponent;
  problems: IcalProblem[];
}): TimeZoneResolver {
  const { calendar, problems } = params;
  const vtimezones = new Map<string, IcalComponent>();
  for (const component of calendar.components) {
    // TZID is a TEXT value (RFC 5545 section 3.8.3.1): `Kuala Lumpur\, Singapore` is matched, unescaped, by
    // DTSTART;TZID="Kuala Lumpur, Singapore".
    const tzid = component.name === "VTIMEZONE" ? vtimezoneTzid(component) : undefined;
    if (tzid && !vtimezones.has(tzid)) vtimezones.set(tzid, component);
  }
  const cache = new Map<string, ZoneRules | null>();
  const resolve = (tzid: string, line: number): ZoneRules | null => {
    if (cache.has(tzid)) return cache.get(tzid) ?? null;
    let rules: ZoneRules | null = null;
    const vtimezone = vtimezones.get(tzid);
    if (vtimezone) {
      const fromComponent = vtimezoneRules(vtimezone);
      if (fromComponent.ok) rules = fromComponent.value;
      else problems.push({ severity: "warning", line: vtimezone.line, message: fromComponent.error });
    }
    if (!rules) {
      const iana = resolveTimeZoneName(tzid);
      if (iana) rules = rulesForIana(iana);
    }
    if (!rules) {
      problems.push({
        severity: "warning",
        line,
        message: `unknown time zone "${tzid}" (no VTIMEZONE, not an IANA, Windows or Outlook name)`,
      });
    }
    cache.set(tzid, rules);
    return rules;
  };
  const xWr = firstProperty(calendar, "X-WR-TIMEZONE");
  const xWrName = xWr ? unescapeText(xWr.value).trim() : "";
  const floatingZone = xWr && xWrName !== "" ? resolve(xWrName, xWr.line) : null;
  return { resolve, floatingZone };
}
