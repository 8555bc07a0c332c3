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
import type { HostId, TenantId } from "../store/ids.ts";
import { type SyncProgress, setSyncProgress } from "../store/sync-progress.ts";
import { reconcileCalendars } from "../store/sync-states-repository.ts";
import type { ConnectionEvents } from "./connection-events.ts";
import { type SyncOutcome, type SyncTarget, syncCalendar } from "./sync-calendar.ts";
import { syncRooms } from "./sync-rooms.ts";

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
  /** The span of time mirrored into the busy cache, from now (it may follow the tenant's booking horizons). */
  window: (now: Date, tenantId: TenantId) => { from: Date; to: Date } | Promise<{ from: Date; to: Date }>;
  /** Two-way sync: told every stored page, to apply the host's changes to the events we wrote. */
  ownEvents?: OwnEventsHandler;
  /** Told when a calendar's run may have changed its host's busy rows (caches of availability drop theirs). */
  onBusyChanged?: (target: { tenantId: TenantId; hostId: HostId }) => void;
}

export interface OwnEventsHandler {
  pageApplied(params: {
    target: SyncTarget;
    provider: CalendarSource["provider"];
    upserts: SourceBusyInterval[];
    removedRefs: string[];
  }): Promise<void>;
  /** Told when a calendar's sync completed (the busy cache now holds the calendar as the provider listed it). */
  calendarSynced?(params: {
    target: SyncTarget;
    source: CalendarSource;
    window: { from: Date; to: Date };
  }): Promise<void>;
}

export type ConnectionSyncOutcome =
  | { status: "skipped"; reason: ConnectionStatus }
  | {
      status: "updated" | "unchanged" | "failed";
      error?: SourceError;
      calendars: Array<{ ref: string; outcome: SyncOutcome }>;
    };

/** A sync that ends after the host disconnected must not bring the connection back (disconnect wins). */
const SYNC_KEEPS: ConnectionStatus[] = ["disconnected"];

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
  const progress: SyncProgress = {
    state: "running",
    calendarsDone: 0,
    calendarsTotal: 0,
    eventsSeen: 0,
    startedAt: deps.now().toISOString(),
    finishedAt: null,
  };
  const report: ReportProgress = (change) => {
    Object.assign(progress, typeof change === "function" ? change(progress) : change);
    return setSyncProgress(deps.db, { connectionId, progress });
  };
  let outcome: ConnectionSyncOutcome | undefined;
  try {
    outcome = await pullConnection(deps, connectionId, report);
  } finally {
    // A connection waiting for the host (skipped) ends a "sync now" as failed too: nothing was read.
    const finished = outcome?.status === "updated" || outcome?.status === "unchanged";
    await report({ state: finished ? "finished" : "failed", finishedAt: deps.now().toISOString() });
  }
  if (outcome && outcome.status !== "skipped") await recordSyncAudit(deps, connectionId, outcome);
  return outcome;
}

type ReportProgress = (
  change: Partial<SyncProgress> | ((current: SyncProgress) => Partial<SyncProgress>),
) => Promise<void>;

async function pullConnection(
  deps: ConnectionSyncDeps,
  connectionId: string,
  report: ReportProgress,
): Promise<ConnectionSyncOutcome | undefined> {
  const loaded = await getConnectionForSync(deps.db, connectionId);
  if (!loaded) return undefined; // deleted meanwhile
  const { connection, hostTimeZone } = loaded;
  if (waitsForHost(connection)) return { status: "skipped", reason: connection.status };
  const fail = async (error: SourceError): Promise<ConnectionSyncOutcome> => {
    await deps.events.move({
      unlessIn: SYNC_KEEPS,
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
        unlessIn: SYNC_KEEPS,
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
  const window = await deps.window(deps.now(), connection.tenantId);
  const calendars: Array<{ ref: string; outcome: SyncOutcome }> = [];
  const synced = states.filter((state) => state.blocking && !state.removedAt);
  await report({ calendarsTotal: synced.length });
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
    // Only a source we write into can hold our events (a read-only feed can't; its 50k refs need no lookup).
    const ownEvents = built.source.createEvent ? deps.ownEvents : undefined;
    const outcome = await syncCalendar({
      db: deps.db,
      source: built.source,
      target,
      window,
      now: deps.now,
      // The import switch: the events' details are read and stored beside their busy time.
      ...(connection.importEnabled ? { details: true } : {}),
      onPageStored: (page) => report((current) => ({ eventsSeen: current.eventsSeen + page.events })),
      ...(ownEvents
        ? {
            onPageApplied: (page) =>
              ownEvents.pageApplied({ target, provider: built.source.provider, ...page }),
          }
        : {}),
    });
    calendars.push({ ref: state.calendarRef, outcome });
    await report({ calendarsDone: calendars.length });
    if ((outcome.status === "updated" || outcome.status === "unchanged") && ownEvents?.calendarSynced)
      await ownEvents.calendarSynced({ target, source: built.source, window });
    // A failed run may have committed pages before it failed.
    if (outcome.status === "updated" || outcome.status === "failed") deps.onBusyChanged?.(target);
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
      unlessIn: SYNC_KEEPS,
      connectionId,
      to: statusFor(error),
      error: states.length > 1 ? `${firstFailure.name}: ${error.message}` : error.message,
    });
    return { status: "failed", error, calendars };
  }
  await deps.events.move({
    unlessIn: SYNC_KEEPS,
    connectionId,
    to: "connected",
    error: null,
    lastSyncedAt: deps.now(),
  });
  // Rooms last, once the calendars are in: a room that is not read stays stale and counts as busy (fail closed).
  await syncRooms(deps, { connection, source: built.source, window }).catch((error: unknown) =>
    deps.logger.error({ err: error, connectionId }, "rooms not synced"),
  );
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
