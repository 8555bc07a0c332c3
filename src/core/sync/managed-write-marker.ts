/**
 * The prefix of every managed event's write key (`calbridge-me-<event id>-<connection>`): the Graph transactionId,
 * the CalDAV UID and resource name, and (reduced to Google's id alphabet) the Google event id. A calendar's sync
 * keeps our own managed copies even when they don't block (written "free" for a non-blocking event, or made free by
 * the host): dropping them would read as a deletion and cancel the event (two-way sync).
 */
export const MANAGED_WRITE_PREFIX = "calbridge-me-";

export function isManagedWriteKey(value: string | null | undefined): boolean {
  return typeof value === "string" && value.toLowerCase().startsWith(MANAGED_WRITE_PREFIX);
}
