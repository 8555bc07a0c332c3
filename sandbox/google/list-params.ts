import { Temporal } from "temporal-polyfill";
import { GoogleApiError, invalidParameter, timeRangeEmpty } from "./errors.ts";
import { parseQueryInstant } from "./event-time.ts";

/** Query parameters of events.list / events.instances / events.watch, validated as Google does (4.2). */

export type RawQuery = Record<string, string | string[] | undefined>;

export interface ListQuery {
  timeMin?: Temporal.Instant;
  timeMax?: Temporal.Instant;
  singleEvents: boolean;
  orderBy?: "startTime" | "updated";
  maxResults: number;
  pageToken?: string;
  syncToken?: string;
  showDeleted?: boolean;
  updatedMin?: Temporal.Instant;
  timeZone?: string;
  q?: string;
  iCalUID?: string;
  originalStart?: Temporal.Instant;
  privateExtendedProperty: string[];
  sharedExtendedProperty: string[];
  eventTypes: string[];
  maxAttendees?: number;
}

// syncToken cannot be combined with these (4.2, trap 8): an incremental sync always covers the whole calendar.
const NOT_WITH_SYNC_TOKEN = [
  "iCalUID",
  "orderBy",
  "privateExtendedProperty",
  "q",
  "sharedExtendedProperty",
  "timeMin",
  "timeMax",
  "updatedMin",
] as const;

export function parseListQuery(raw: RawQuery, defaults: { maxResults: number; maxCap: number }): ListQuery {
  const one = (name: string): string | undefined => {
    const value = raw[name];
    return Array.isArray(value) ? value[value.length - 1] : value;
  };
  const many = (name: string): string[] => {
    const value = raw[name];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  };
  const query: ListQuery = {
    singleEvents: parseBoolean(one("singleEvents"), "singleEvents") ?? false,
    maxResults: Math.min(
      parsePositive(one("maxResults"), "maxResults") ?? defaults.maxResults,
      defaults.maxCap,
    ),
    privateExtendedProperty: many("privateExtendedProperty"),
    sharedExtendedProperty: many("sharedExtendedProperty"),
    eventTypes: many("eventTypes"),
    timeMin: parseInstantParam(one("timeMin"), "timeMin"),
    timeMax: parseInstantParam(one("timeMax"), "timeMax"),
    updatedMin: parseInstantParam(one("updatedMin"), "updatedMin"),
    originalStart: parseInstantParam(one("originalStart"), "originalStart"),
    showDeleted: parseBoolean(one("showDeleted"), "showDeleted"),
    maxAttendees: parsePositive(one("maxAttendees"), "maxAttendees"),
    pageToken: one("pageToken"),
    syncToken: one("syncToken"),
    q: one("q"),
    iCalUID: one("iCalUID"),
    timeZone: parseTimeZone(one("timeZone")),
  };
  const orderBy = one("orderBy");
  if (orderBy !== undefined) {
    if (orderBy !== "startTime" && orderBy !== "updated") throw invalidParameter("orderBy");
    query.orderBy = orderBy;
  }
  if (query.timeMin && query.timeMax && Temporal.Instant.compare(query.timeMin, query.timeMax) >= 0) {
    throw timeRangeEmpty();
  }
  if (query.orderBy === "startTime" && !query.singleEvents) {
    throw invalidParameter("orderBy", "The requested ordering is not available for the particular query.");
  }
  if (query.syncToken !== undefined) {
    const clash = NOT_WITH_SYNC_TOKEN.find((name) => raw[name] !== undefined);
    if (clash) throw invalidParameter(clash, `Sync token cannot be combined with the ${clash} parameter.`);
  }
  if ((query.syncToken !== undefined || query.updatedMin) && query.showDeleted === false) {
    // With syncToken or updatedMin deletions are always included, so showDeleted=false is a contradiction.
    throw invalidParameter("showDeleted", "showDeleted=false is not allowed with syncToken or updatedMin.");
  }
  return query;
}

function parseBoolean(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw invalidParameter(name);
}

function parsePositive(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw invalidParameter(name);
  return number;
}

function parseInstantParam(value: string | undefined, name: string): Temporal.Instant | undefined {
  if (value === undefined) return undefined;
  const instant = parseQueryInstant(value);
  if (!instant)
    throw new GoogleApiError({
      code: 400,
      reason: "badRequest",
      message: "Bad Request",
      location: { type: "parameter", name },
    });
  return instant;
}

function parseTimeZone(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    Temporal.Now.instant().toZonedDateTimeISO(value);
    return value;
  } catch {
    throw invalidParameter("timeZone");
  }
}
