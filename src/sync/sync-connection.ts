import { recordConnectionAudit } from "../audit/record-audit.ts";
import type { CalendarSource, SourceBusyInterval, SourceError } from "../core/sync/calendar-source.ts";
import type { Logger } from "../observability/logger.ts";
import { clearBusyForConnection } from "../store/busy-cache.ts";
import {
  type ConnectionRow,
  type ConnectionStatus,
  getConnectionForSync,
} from "../store/connections-repository.ts";
import type { Database } from "../store/database.ts";
import { reconcileCalendars } from "../store/sync-states-repository.ts";
import type { ConnectionEvents } from "./connection-events.ts";
import { type SyncOutcome, type SyncTarget, syncCalendar } from "./sync-calendar.ts";

/**
 * Syncs every blocking calendar of one connection and sets the connection's state from *all* their outcomes (a later
 * success never hides an earlier failure). Calendars the provider no longer lists lose their busy rows. Connections
 * waiting for the host (pending, needs_reauth, disconnected) are not touched: no calls, no retry storm.
 */
export interface SourceFactory {
  build(
    connection: ConnectionRow,
    hooks: { onAuthRevoked: (error: SourceError) => Promise<void> },
  ): { ok: true; source: CalendarSource } | { ok: false; error: SourceError };
}

export interface ConnectionSyncDeps {
  db: Database;
  sources: SourceFactory;
  events: ConnectionEvents;
  logger: Logger;
  now: () => Date;
  /** The span of time mirrored into the busy cache, from now. */
  window: (now: Date) => { from: Date; to: Date };
  /** Two-way sync: told every stored page, to apply the host's changes to the events we wrote. */
  ownEvents?: OwnEventsHandler;
}

export interface OwnEventsHandler {
  pageApplied(params: {
    target: SyncTarget;
    provider: CalendarSource["provider"];
    upserts: SourceBusyInterval[];
    removedRefs: string[];
  }): Promise<void>;
}

export type ConnectionSyncOutcome =
  | { status: "skipped"; reason: ConnectionStatus }
  | {
      status: "updated" | "unchanged" | "failed";
      error?: SourceError;
      calendars: Array<{ ref: string; outcome: SyncOutcome }>;
    };

/** Pending OAuth connections wait for their callback; a pending feed (it has its URL) syncs at once. */
function waitsForHost(connection: ConnectionRow): boolean {
  if (connection.status === "pending") return connection.credentials === null;
  return connection.status === "needs_reauth" || connection.status === "disconnected";
}

function statusFor(error: SourceError): ConnectionStatus {
  if (error.kind === "auth_revoked") return "needs_reauth";
  if (error.kind === "forbidden_target") return "blocked";
  return "error";
}

/** Syncs one connection; every sync that reached the provider is in the audit log (calendar.read). */
export async function syncConnection(
  deps: ConnectionSyncDeps,
  connectionId: string,
): Promise<ConnectionSyncOutcome | undefined> {
  const outcome = await pullConnection(deps, connectionId);
  if (outcome && outcome.status !== "skipped") await recordSyncAudit(deps, connectionId, outcome);
  return outcome;
}

async function pullConnection(
  deps: ConnectionSyncDeps,
  connectionId: string,
): Promise<ConnectionSyncOutcome | undefined> {
  const loaded = await getConnectionForSync(deps.db, connectionId);
  if (!loaded) return undefined; // deleted meanwhile
  const { connection, hostTimeZone } = loaded;
  if (waitsForHost(connection)) return { status: "skipped", reason: connection.status };
  const fail = async (error: SourceError): Promise<ConnectionSyncOutcome> => {
    await deps.events.move({
      unless: ["disconnected"],
      connectionId,
      to: statusFor(error),
      error: error.message,
    });
    deps.logger.warn(
      { connectionId, provider: connection.provider, error: error.kind },
      "calendar connection failed",
    );
    return { status: "failed", error, calendars: [] };
  };
  let revoked: SourceError | undefined;
  const built = deps.sources.build(connection, {
    onAuthRevoked: async (error) => {
      revoked = error;
      await deps.events.move({
        unless: ["disconnected"],
        connectionId,
        to: "needs_reauth",
        error: error.message,
      });
    },
  });
  if (!built.ok) return fail(built.error);
  const listed = await built.source.listCalendars();
  if (!listed.ok) return fail(listed.error);
  const { states, vanished } = await reconcileCalendars(deps.db, {
    tenantId: connection.tenantId,
    connectionId,
    calendars: listed.value,
    now: deps.now(),
  });
  for (const gone of vanished) {
    await clearBusyForConnection(deps.db, {
      tenantId: connection.tenantId,
      connectionId,
      calendarRef: gone.calendarRef,
    });
  }
  const window = deps.window(deps.now());
  const calendars: Array<{ ref: string; outcome: SyncOutcome }> = [];
  let firstFailure: { name: string; error: SourceError } | undefined;
  for (const state of states) {
    if (!state.blocking || state.removedAt) continue;
    const target: SyncTarget = {
      tenantId: connection.tenantId,
      hostId: connection.hostId,
      connectionId,
      calendarRef: state.calendarRef,
      hostTimeZone,
    };
    const { ownEvents } = deps;
    const outcome = await syncCalendar({
      db: deps.db,
      source: built.source,
      target,
      window,
      now: deps.now,
      ...(ownEvents
        ? {
            onPageApplied: (page) =>
              ownEvents.pageApplied({ target, provider: built.source.provider, ...page }),
          }
        : {}),
    });
    calendars.push({ ref: state.calendarRef, outcome });
    if (outcome.status === "failed") {
      firstFailure ??= { name: state.name ?? state.calendarRef, error: outcome.error };
      // A dead grant fails every calendar alike: stop calling the provider.
      if (outcome.error.kind === "auth_revoked" || revoked) break;
    }
    deps.logger.info(
      { connectionId, calendar: state.calendarRef, outcome: outcome.status },
      "calendar synced",
    );
  }
  if (revoked) return { status: "failed", error: revoked, calendars };
  if (firstFailure) {
    const { error } = firstFailure;
    await deps.events.move({
      unless: ["disconnected"],
      connectionId,
      to: statusFor(error),
      error: states.length > 1 ? `${firstFailure.name}: ${error.message}` : error.message,
    });
    return { status: "failed", error, calendars };
  }
  await deps.events.move({
    unless: ["disconnected"],
    connectionId,
    to: "connected",
    error: null,
    lastSyncedAt: deps.now(),
  });
  const updated = calendars.some(({ outcome }) => outcome.status === "updated");
  return { status: updated ? "updated" : "unchanged", calendars };
}

async function recordSyncAudit(
  deps: ConnectionSyncDeps,
  connectionId: string,
  outcome: Exclude<ConnectionSyncOutcome, { status: "skipped" }>,
): Promise<void> {
  let itemCount = 0;
  for (const { outcome: calendar } of outcome.calendars)
    if (calendar.status === "updated" || calendar.status === "unchanged")
      itemCount += calendar.intervals ?? calendar.rowsWritten;
  await recordConnectionAudit(deps.db, {
    at: deps.now(),
    connectionId,
    actor: { kind: "system_job", id: "calendar.sync" },
    action: "calendar.read",
    outcome: outcome.status === "failed" ? "failure" : "success",
    details: {
      operation: "list",
      itemCount,
      ...(outcome.error ? { errorKind: outcome.error.kind } : {}),
    },
  });
}
