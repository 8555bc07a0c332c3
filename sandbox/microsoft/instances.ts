import { createHash } from "node:crypto";
import { Temporal } from "temporal-polyfill";
import { occurrenceId, parseOccurrenceId } from "./ids.ts";
import type { DateTimeTimeZone, StoredEvent } from "./model.ts";
import { expandOccurrenceDates } from "./recurrence.ts";
import type { MicrosoftSandboxState } from "./state.ts";
import {
  epochMsOf,
  formatGraphDateTime,
  parseGraphDateTime,
  resolveTimeZone,
  utcOffsetString,
} from "./time-zones.ts";

/** One item as calendarView sees it: a single event, an occurrence (virtual) or an exception. */
export interface EventInstance {
  id: string;
  type: "singleInstance" | "occurrence" | "exception" | "seriesMaster";
  /** The stored item whose fields the instance shows (the master, for occurrences). */
  event: StoredEvent;
  seriesMasterId: string | null;
  originalStart: string | null;
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
  startMs: number;
  endMs: number;
  changeKey: string;
  iCalUId: string;
}

export function instanceOfStored(event: StoredEvent): EventInstance {
  return {
    id: event.id,
    type: event.type,
    event,
    seriesMasterId: event.seriesMasterId,
    originalStart: event.originalStart,
    start: event.fields.start,
    end: event.fields.end,
    startMs: epochMsOf(event.fields.start),
    endMs: epochMsOf(event.fields.end),
    changeKey: event.changeKey,
    iCalUId: event.iCalUId,
  };
}

/** Occurrences keep the master's wall-clock start time and length, in the recurrence zone. */
function occurrencesOf(master: StoredEvent, untilMs: number): EventInstance[] {
  const recurrence = master.fields.recurrence;
  if (!recurrence) return [];
  const zone = resolveTimeZone(master.fields.start.timeZone);
  const masterStart = parseGraphDateTime(master.fields.start.dateTime);
  const length = masterStart.until(parseGraphDateTime(master.fields.end.dateTime), { largestUnit: "days" });
  const until = Temporal.Instant.fromEpochMilliseconds(untilMs)
    .toZonedDateTimeISO(zone)
    .toPlainDate()
    .add({ days: 1 });
  const instances: EventInstance[] = [];
  for (const date of expandOccurrenceDates({ recurrence, until })) {
    const startLocal = date.toPlainDateTime(masterStart.toPlainTime());
    const endLocal = startLocal.add(length);
    const startMs = startLocal.toZonedDateTime(zone).epochMilliseconds;
    const originalStart = utcOffsetString(startMs);
    if (master.cancelledOccurrences.includes(originalStart)) continue;
    const id = occurrenceId(master.id, originalStart);
    instances.push({
      id,
      type: "occurrence",
      event: master,
      seriesMasterId: master.id,
      originalStart,
      start: { dateTime: formatGraphDateTime(startLocal), timeZone: master.fields.start.timeZone },
      end: { dateTime: formatGraphDateTime(endLocal), timeZone: master.fields.end.timeZone },
      startMs,
      endMs: endLocal.toZonedDateTime(zone).epochMilliseconds,
      changeKey: master.changeKey,
      // Graph's iCalUId differs for each occurrence (fidelity trap 2).
      iCalUId:
        master.iCalUId.slice(0, 40) + createHash("sha1").update(originalStart).digest("hex").slice(0, 16),
    });
  }
  return instances;
}

/** Expanded instances of a series master, with exceptions in place of the occurrences they replace. */
export function seriesInstances(
  state: MicrosoftSandboxState,
  master: StoredEvent,
  untilMs: number,
): EventInstance[] {
  const exceptions = [...state.events.values()].filter((event) => event.seriesMasterId === master.id);
  const replaced = new Set(exceptions.map((event) => event.originalStart));
  return [
    ...occurrencesOf(master, untilMs).filter((occurrence) => !replaced.has(occurrence.originalStart)),
    ...exceptions.map(instanceOfStored),
  ];
}

/**
 * calendarView semantics (reference 2.4): singleInstance, occurrence and exception items that overlap
 * the window (start < end of window and end > start of window), never series masters.
 */
export function instancesInWindow(params: {
  state: MicrosoftSandboxState;
  mailboxId: string;
  calendarId?: string;
  startMs: number;
  endMs: number;
}): EventInstance[] {
  const { state, startMs, endMs } = params;
  const result: EventInstance[] = [];
  for (const event of state.eventsOf(params.mailboxId, params.calendarId)) {
    if (event.type === "singleInstance") result.push(instanceOfStored(event));
    if (event.type === "seriesMaster") result.push(...seriesInstances(state, event, endMs));
  }
  // Zero-length items at the window start still count, as Outlook shows them.
  return result.filter((i) => i.startMs < endMs && (i.endMs > startMs || i.startMs === startMs));
}

/** Finds an item by id, including virtual occurrences that have no stored record. */
export function findInstance(
  state: MicrosoftSandboxState,
  mailboxId: string,
  id: string,
): EventInstance | null {
  const stored = state.events.get(id);
  if (stored) return stored.mailboxId === mailboxId ? instanceOfStored(stored) : null;
  const parsed = parseOccurrenceId(id);
  if (!parsed) return null;
  const master = state.events.get(parsed.masterId);
  if (!master || master.mailboxId !== mailboxId || master.type !== "seriesMaster") return null;
  const untilMs = Date.parse(parsed.originalStart) + 1;
  return seriesInstances(state, master, untilMs).find((instance) => instance.id === id) ?? null;
}
