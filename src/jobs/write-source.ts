import type { CalendarSource, SourceError } from "../core/sync/calendar-source.ts";
import {
  type getConnectionForSync as GetConnection,
  getConnectionForSync,
} from "../store/connections-repository.ts";
import type { Database } from "../store/database.ts";
import type { ConnectionEvents } from "../sync/connection-events.ts";
import type { SourceFactory } from "../sync/sync-connection.ts";

/** Attempts per write before it is given up as failed (transient failures: unavailable, throttled). */
export const MAX_WRITE_ATTEMPTS = 5;

/** Failures no retry can fix: the write fails at once. */
const permanent = new Set<SourceError["kind"]>([
  "auth_revoked",
  "invalid_data",
  "not_found",
  "conflict",
  "forbidden_target",
  "sync_cursor_invalid",
]);

/** Whether a failed write is retried (a transient failure with attempts left) or given up. */
export function retriesWrite(error: SourceError, attempts: number): boolean {
  return !permanent.has(error.kind) && attempts < MAX_WRITE_ATTEMPTS;
}

type Loaded = NonNullable<Awaited<ReturnType<typeof GetConnection>>>;

/**
 * The calendar source of a connection that writes events (bookings, managed events): refused when the connection
 * is not live or its provider does not write. A revoked grant found while writing moves it to `needs_reauth`.
 */
export async function openWriteSource(
  deps: { db: Database; sources: SourceFactory; events: ConnectionEvents },
  connectionId: string,
): Promise<
  | ({
      ok: true;
      // The whole source (a write conflict reads the host's version back), with the write methods known present.
      source: CalendarSource & Required<Pick<CalendarSource, "createEvent" | "updateEvent" | "cancelEvent">>;
    } & Loaded)
  | { ok: false; error: SourceError }
> {
  const loaded = await getConnectionForSync(deps.db, connectionId);
  if (!loaded || !["connected", "error"].includes(loaded.connection.status)) {
    return {
      ok: false,
      error: { kind: "auth_revoked", message: "the calendar connection is not connected" },
    };
  }
  const { connection } = loaded;
  const built = deps.sources.build(connection, {
    onAuthRevoked: async (error) => {
      await deps.events.move({ connectionId: connection.id, to: "needs_reauth", error: error.message });
    },
  });
  if (!built.ok) return built;
  const source = built.source;
  if (!source.createEvent || !source.updateEvent || !source.cancelEvent) {
    return {
      ok: false,
      error: { kind: "invalid_data", message: `${connection.provider} connections do not write events` },
    };
  }
  return {
    ok: true,
    ...loaded,
    source: source as CalendarSource &
      Required<Pick<CalendarSource, "createEvent" | "updateEvent" | "cancelEvent">>,
  };
}
