import { Temporal } from "temporal-polyfill";
import { type EventsPage, type ListParams, pageEnvelope, readPageToken } from "./event-list.ts";
import { resolveEvent } from "./event-resolve.ts";
import { toInstant } from "./event-time.ts";
import { presentEvent, presentTombstone, type ViewContext } from "./event-view.ts";
import { overlapsWindow } from "./event-window.ts";
import { expandInstances, isRecurringMaster } from "./instances.ts";
import { encodePageToken } from "./sync-tokens.ts";

/**
 * events.instances (4.4): the instances of one series, exceptions applied, filtered by `timeMin`/`timeMax`
 * and `originalStart`; cancelled instances only with `showDeleted`. Not a sync source, so no
 * `nextSyncToken`. A non-recurring event has no instances [inf].
 */
export function listInstances(params: ListParams & { eventId: string }): EventsPage {
  const { state, calendar, query } = params;
  const { event: master } = resolveEvent(calendar, params.eventId);
  const tz = calendar.seed.timeZone;
  const { offset, snapshot } = readPageToken(state, query.pageToken);
  const all = isRecurringMaster(master)
    ? expandInstances({
        calendar,
        master,
        now: state.now(),
        ...(query.timeMax ? { before: query.timeMax } : {}),
      })
    : [];
  const items = all.filter((instance) => {
    if (instance.status === "cancelled" && query.showDeleted !== true) return false;
    if (query.originalStart && instance.originalStartTime) {
      if (!toInstant(instance.originalStartTime, tz).equals(query.originalStart)) return false;
    }
    return overlapsWindow(instance, tz, query);
  });
  items.sort((a, b) =>
    Temporal.Instant.compare(
      toInstant(a.start ?? a.originalStartTime!, tz),
      toInstant(b.start ?? b.originalStartTime!, tz),
    ),
  );
  const page = items.slice(offset, offset + query.maxResults);
  const context: ViewContext = {
    account: params.account,
    calendarId: calendar.seed.id,
    timeZone: query.timeZone ?? tz,
  };
  const more = offset + query.maxResults < items.length;
  return {
    ...pageEnvelope(params),
    ...(more
      ? { nextPageToken: encodePageToken({ g: state.generation, o: offset + query.maxResults, s: snapshot }) }
      : {}),
    items: page.map((event) =>
      event.status === "cancelled" ? presentTombstone(event, context) : presentEvent(event, context),
    ),
  };
}
