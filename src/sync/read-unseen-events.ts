import type { CalendarSource, SourceBusyInterval } from "../core/sync/calendar-source.ts";

type Where = { connectionId: string; calendarRef: string; window: { from: Date; to: Date } };

/**
 * Reads, one by one, events we wrote that a completed sync did not show (a delta never names an event made and
 * deleted between two of its rounds) and hands each over as the host has it now: `null` when it is gone. An event
 * unreadable now (throttled, offline) is skipped: the next completed sync asks again.
 */
export async function readUnseenEvents<
  Row extends { calendarRef: string; providerEventRef: string | null },
>(params: {
  source: CalendarSource;
  target: { connectionId: string; calendarRef: string };
  window: { from: Date; to: Date };
  /** The written rows of the calendar in the window that its busy cache does not hold. */
  findUnseen: (where: Where) => Promise<Row[]>;
  apply: (row: Row, event: SourceBusyInterval | null) => Promise<void>;
}): Promise<void> {
  const { source, target } = params;
  if (!source.readEvent) return;
  const rows = await params.findUnseen({
    connectionId: target.connectionId,
    calendarRef: target.calendarRef,
    window: params.window,
  });
  for (const row of rows) {
    if (row.providerEventRef === null) continue;
    const read = await source.readEvent({ calendarRef: row.calendarRef, eventRef: row.providerEventRef });
    if (read.ok) await params.apply(row, read.value);
  }
}
