import { GraphError } from "./graph-errors.ts";
import type {
  DateTimeTimeZone,
  EventFields,
  ExtendedProperty,
  GraphAttendee,
  GraphLocation,
} from "./model.ts";
import { normaliseRecurrence } from "./recurrence.ts";
import { formatGraphDateTime, parseGraphDateTime, resolveTimeZone } from "./time-zones.ts";

/** Properties a client may write. Read-only ones (id, changeKey, type, ...) are ignored, as Graph does. */
const WRITABLE = new Set([
  "subject",
  "body",
  "start",
  "end",
  "isAllDay",
  "showAs",
  "sensitivity",
  "importance",
  "location",
  "locations",
  "attendees",
  "isOnlineMeeting",
  "onlineMeetingProvider",
  "recurrence",
  "categories",
  "isReminderOn",
  "reminderMinutesBeforeStart",
  "responseRequested",
  "allowNewTimeProposals",
  "hideAttendees",
  "isDraft",
  "transactionId",
  "singleValueExtendedProperties",
]);

const READ_ONLY = new Set([
  "id",
  "@odata.etag",
  "@odata.type",
  "@odata.context",
  "changeKey",
  "type",
  "seriesMasterId",
  "originalStart",
  "iCalUId",
  "createdDateTime",
  "lastModifiedDateTime",
  "bodyPreview",
  "organizer",
  "isOrganizer",
  "responseStatus",
  "onlineMeeting",
  "onlineMeetingUrl",
  "webLink",
  "isCancelled",
  "hasAttachments",
  "originalStartTimeZone",
  "originalEndTimeZone",
]);

export interface EventInput {
  fields: Partial<EventFields>;
  transactionId: string | null;
  /** Written properties (null: the body has none); a PATCH adds or replaces them by id, others stay. */
  extendedProperties?: ExtendedProperty[] | null;
}

/** `String {00020329-0000-0000-c000-000000000046} Name calbridgeBookingId` or `... Id 0x8012`. */
const EXTENDED_ID =
  /^(String|Integer|Boolean|SystemTime|Binary|Long|Double|Short|Currency|CLSID|ApplicationTime)\s+(\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}\s+(Name\s+\S.*|Id\s+0x[0-9a-f]+)|0x[0-9a-f]+)$/i;

function badProperty(message: string): GraphError {
  return new GraphError({ status: 400, code: "ErrorInvalidProperty", message });
}

function extendedProperties(raw: unknown): ExtendedProperty[] {
  if (!Array.isArray(raw)) throw badProperty("singleValueExtendedProperties must be an array.");
  return raw.map((entry) => {
    const record = (entry ?? {}) as Record<string, unknown>;
    if (typeof record.id !== "string" || !EXTENDED_ID.test(record.id.trim())) {
      throw badProperty(`The extended property id '${String(record.id)}' is not valid.`);
    }
    if (typeof record.value !== "string") throw badProperty("An extended property needs a string value.");
    return { id: record.id.trim(), value: record.value };
  });
}

/** Adds or replaces properties by id (ids compare case-insensitively, as Exchange's named properties do). */
export function mergeExtendedProperties(
  current: ExtendedProperty[],
  written: ExtendedProperty[] | null | undefined,
): ExtendedProperty[] {
  if (!written) return current;
  const key = (id: string) => id.toLowerCase().replace(/\s+/g, " ");
  const next = new Map(current.map((property) => [key(property.id), property]));
  for (const property of written) next.set(key(property.id), property);
  return [...next.values()];
}

function badBody(message: string): GraphError {
  return new GraphError({ status: 400, code: "RequestBodyRead", message });
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badBody(`Cannot read the value of property '${name}': an object was expected.`);
  }
  return value as Record<string, unknown>;
}

function dateTimeTimeZone(value: unknown, name: string): DateTimeTimeZone {
  const record = object(value, name);
  const timeZone = typeof record.timeZone === "string" && record.timeZone ? record.timeZone : "UTC";
  resolveTimeZone(timeZone);
  const dateTime = formatGraphDateTime(parseGraphDateTime(String(record.dateTime ?? "")));
  return { dateTime, timeZone };
}

function attendee(value: unknown): GraphAttendee {
  const record = object(value, "attendees");
  const email = object(record.emailAddress, "emailAddress");
  const type = record.type === "optional" || record.type === "resource" ? record.type : "required";
  return {
    type,
    status: { response: "none", time: "0001-01-01T00:00:00Z" },
    emailAddress: { name: String(email.name ?? email.address ?? ""), address: String(email.address ?? "") },
  };
}

function location(value: unknown): GraphLocation {
  const record = object(value, "location");
  return {
    displayName: String(record.displayName ?? ""),
    locationType: String(record.locationType ?? "default"),
    uniqueId: String(record.uniqueId ?? record.displayName ?? ""),
    uniqueIdType: String(record.uniqueIdType ?? "private"),
    ...(record.locationEmailAddress ? { locationEmailAddress: String(record.locationEmailAddress) } : {}),
    ...(record.address ? { address: object(record.address, "address") } : {}),
  };
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Text bodies are stored as the HTML Exchange wraps them in (reference 2.5). */
function body(value: unknown): EventFields["body"] {
  const record = object(value, "body");
  const content = String(record.content ?? "");
  if (String(record.contentType ?? "text").toLowerCase() === "html") return { contentType: "html", content };
  return {
    contentType: "html",
    content: `<html>\r\n<head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n</head>\r\n<body>\r\n${escapeHtml(content)}\r\n</body>\r\n</html>\r\n`,
  };
}

/** Parses a create or PATCH body into the fields it sets. */
export function parseEventInput(raw: unknown): EventInput {
  const input = object(raw, "event");
  const fields: Partial<EventFields> = {};
  for (const key of Object.keys(input)) {
    if (!WRITABLE.has(key) && !READ_ONLY.has(key)) {
      throw badBody(`The property '${key}' does not exist on type 'microsoft.graph.event'.`);
    }
  }
  const v = input;
  if (v.subject !== undefined) fields.subject = String(v.subject ?? "");
  if (v.body !== undefined) fields.body = body(v.body);
  if (v.start !== undefined) fields.start = dateTimeTimeZone(v.start, "start");
  if (v.end !== undefined) fields.end = dateTimeTimeZone(v.end, "end");
  for (const key of ["isAllDay", "isOnlineMeeting", "isReminderOn", "responseRequested"] as const) {
    if (v[key] !== undefined) fields[key] = Boolean(v[key]);
  }
  for (const key of ["allowNewTimeProposals", "hideAttendees", "isDraft"] as const) {
    if (v[key] !== undefined) fields[key] = Boolean(v[key]);
  }
  for (const key of ["showAs", "sensitivity", "importance", "onlineMeetingProvider"] as const) {
    if (v[key] !== undefined) fields[key] = String(v[key]);
  }
  if (v.reminderMinutesBeforeStart !== undefined)
    fields.reminderMinutesBeforeStart = Number(v.reminderMinutesBeforeStart);
  if (v.categories !== undefined)
    fields.categories = Array.isArray(v.categories) ? v.categories.map(String) : [];
  if (v.attendees !== undefined) {
    if (!Array.isArray(v.attendees)) throw badBody("Cannot read the value of property 'attendees'.");
    if (v.attendees.length > 500) throw badBody("An event can have at most 500 attendees.");
    fields.attendees = v.attendees.map(attendee);
  }
  // Writing `location` replaces `locations` and the reverse keeps them consistent (reference 2.5).
  if (v.location !== undefined && v.location !== null) {
    fields.location = location(v.location);
    fields.locations = fields.location.displayName ? [fields.location] : [];
  }
  if (Array.isArray(v.locations)) {
    fields.locations = v.locations.map(location);
    fields.location = fields.locations[0] ?? location({});
  }
  if (v.recurrence !== undefined) {
    // Without a start in the same body (a PATCH), the writer fills in the event's zone.
    const zone = fields.start?.timeZone ?? "";
    fields.recurrence =
      v.recurrence === null ? null : normaliseRecurrence(v.recurrence, { eventTimeZone: zone });
  }
  const transactionId = typeof v.transactionId === "string" ? v.transactionId : null;
  const written =
    v.singleValueExtendedProperties === undefined || v.singleValueExtendedProperties === null
      ? null
      : extendedProperties(v.singleValueExtendedProperties);
  return { fields, transactionId, extendedProperties: written };
}
