import { GraphError } from "./graph-errors.ts";
import type { EventInstance } from "./instances.ts";
import { dateTimeInZone, utcSevenDigits } from "./time-zones.ts";

export interface RenderOptions {
  /** From `Prefer: outlook.timezone="..."`; null means UTC (reference 2.4). */
  preferTimeZone: string | null;
  /** From `Prefer: outlook.body-content-type="..."`. */
  bodyContentType: "html" | "text" | null;
  select: string[] | null;
  /** Ids asked for with `$expand=singleValueExtendedProperties($filter=id eq '...')`; null: not expanded. */
  extendedIds?: string[] | null;
}

/** The hidden (non-enumerable, never serialised) copy of every extended property, for `$filter` with Any(). */
export const EXTENDED_PROPERTIES_KEY = "@sandbox.extendedProperties";

const sameId = (a: string, b: string) =>
  a.toLowerCase().replace(/\s+/g, " ") === b.toLowerCase().replace(/\s+/g, " ");

/**
 * `$expand=singleValueExtendedProperties($filter=id eq '<id>')` (ids joined by `or`): extended properties are never
 * returned otherwise. Anything else in $expand is refused, as Graph refuses unknown navigation properties.
 */
export function readExtendedExpand(query: URLSearchParams): string[] | null {
  const expand = query.get("$expand");
  if (expand === null) return null;
  const match = /^singleValueExtendedProperties\(\s*\$filter\s*=\s*(.+)\)$/i.exec(expand.trim());
  const ids = match?.[1]
    ?.split(/\s+or\s+/i)
    .map((clause) => /^id\s+eq\s+'((?:[^']|'')*)'$/i.exec(clause.trim())?.[1]?.replaceAll("''", "'"));
  if (!ids || ids.some((id) => id === undefined)) {
    throw new GraphError({
      status: 400,
      code: "BadRequest",
      message: `Parsing OData Select and Expand failed: Could not find a property named '${expand.split("(")[0]}' on type 'microsoft.graph.event', or the $filter of the expansion is not supported.`,
    });
  }
  return ids as string[];
}

function htmlToText(html: string): string {
  return html
    .replace(/<head>[\s\S]*?<\/head>/i, "")
    .replace(/<[^>]+>/g, "")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&")
    .trim();
}

function renderTimes(instance: EventInstance, zone: string): Record<string, unknown> {
  // All-day events stay midnight to midnight whatever zone is asked for; only the label follows the
  // Prefer header (fidelity trap 1).
  if (instance.event.fields.isAllDay) {
    return {
      start: { dateTime: instance.start.dateTime, timeZone: zone },
      end: { dateTime: instance.end.dateTime, timeZone: zone },
    };
  }
  return { start: dateTimeInZone(instance.startMs, zone), end: dateTimeInZone(instance.endMs, zone) };
}

/** Renders one item as Graph's `microsoft.graph.event` JSON. */
export function renderEvent(instance: EventInstance, options: RenderOptions): Record<string, unknown> {
  const { event } = instance;
  const f = event.fields;
  const text = htmlToText(f.body.content);
  const isInstance = instance.type === "occurrence" || instance.type === "exception";
  const full: Record<string, unknown> = {
    "@odata.etag": `W/"${instance.changeKey}"`,
    id: instance.id,
    createdDateTime: utcSevenDigits(event.createdMs),
    lastModifiedDateTime: utcSevenDigits(event.lastModifiedMs),
    changeKey: instance.changeKey,
    categories: f.categories,
    ...(event.transactionId ? { transactionId: event.transactionId } : {}),
    originalStartTimeZone: f.originalStartTimeZone,
    originalEndTimeZone: f.originalEndTimeZone,
    iCalUId: instance.iCalUId,
    reminderMinutesBeforeStart: f.reminderMinutesBeforeStart,
    isReminderOn: f.isReminderOn,
    hasAttachments: false,
    subject: f.subject,
    bodyPreview: text.slice(0, 255),
    importance: f.importance,
    sensitivity: f.sensitivity,
    isAllDay: f.isAllDay,
    isCancelled: f.isCancelled,
    isOrganizer: f.isOrganizer,
    responseRequested: f.responseRequested,
    seriesMasterId: instance.seriesMasterId,
    showAs: f.showAs,
    type: instance.type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(instance.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: f.isOnlineMeeting,
    onlineMeetingProvider: f.onlineMeetingProvider,
    allowNewTimeProposals: f.allowNewTimeProposals,
    isDraft: f.isDraft,
    hideAttendees: f.hideAttendees,
    responseStatus: f.responseStatus,
    body: options.bodyContentType === "text" ? { contentType: "text", content: text } : { ...f.body },
    ...renderTimes(instance, options.preferTimeZone ?? "UTC"),
    ...(isInstance ? { originalStart: instance.originalStart } : {}),
    location: f.location,
    locations: f.locations,
    recurrence: instance.type === "seriesMaster" ? f.recurrence : null,
    attendees: f.attendees,
    organizer: f.organizer,
    onlineMeeting: f.onlineMeeting,
  };
  const expanded = options.extendedIds
    ? event.extendedProperties.filter((property) =>
        options.extendedIds!.some((id) => sameId(id, property.id)),
      )
    : [];
  // Graph leaves the property out when no requested one is set on the item.
  if (expanded.length > 0) full.singleValueExtendedProperties = expanded;
  Object.defineProperty(full, EXTENDED_PROPERTIES_KEY, {
    value: event.extendedProperties,
    enumerable: false,
  });
  if (!options.select) return full;
  const picked: Record<string, unknown> = { "@odata.etag": full["@odata.etag"], id: full.id };
  for (const key of options.select) if (key in full) picked[key] = full[key];
  if (full.singleValueExtendedProperties)
    picked.singleValueExtendedProperties = full.singleValueExtendedProperties;
  return picked;
}
