import type { SourceError } from "../core/sync/calendar-source.ts";

/**
 * A provider cursor is valid for the sync window it was started on. Once the rolling window's end has moved on by
 * more than a day, the part beyond the old end was never listed (nor its series expanded), so the adapter asks the
 * engine for a fresh listing, which it builds beside the old rows.
 */
const WINDOW_SLACK_MS = 86_400_000;

/** Whether the window ending at `windowToMs` has moved past the end a cursor was made for. */
export function windowMovedOn(cursorWindowToMs: number, windowToMs: number): boolean {
  return windowToMs - cursorWindowToMs > WINDOW_SLACK_MS;
}

/** The answer to a stored cursor that no longer covers the window. */
export const windowMovedError: SourceError = {
  kind: "sync_cursor_invalid",
  message: "the sync window moved on: listing again",
};
