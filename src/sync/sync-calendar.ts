import { createHash } from "node:crypto";
import type {
  CalendarSource,
  PullResult,
  SourceBusyInterval,
  SourceError,
  SyncCursor,
} from "../core/sync/calendar-source.ts";
import {
  applyDeltaRows,
  type BusyTarget,
  discardStagedRows,
  listStagedRefs,
  stageRows,
  swapStagedRows,
} from "../store/busy-cache.ts";
import type { Database } from "../store/database.ts";
import type { HostId, TenantId } from "../store/ids.ts";
import type { SyncWarning } from "../store/schema.ts";
import {
  acquireCalendarLease,
  clearDirty,
  ensureSyncState,
  holdCalendarLease,
  markCalendarDirty,
  readSyncState,
  releaseCalendarLease,
  type SyncStateRow,
  saveWithLease,
  updateSyncState,
} from "../store/sync-states-repository.ts";

/**
 * Pulls one calendar into the busy cache, page by page. The engine is the only writer of busy rows and sync state;
 * each page is written in one transaction with the cursor that follows it (sync-failure-modes.md #5), so a run that
 * stops half way (throttled, crashed, killed) resumes at the page where it stopped and loses nothing.
 *
 * - One writer per calendar across all processes (a lease renewed per page); a run that lost its lease stops
 *   without writing, and a run that finds the lease taken marks the calendar dirty so the holder pulls again.
 * - A full listing (first sync, or after the cursor was invalidated: #4) is staged beside the live rows and swapped
 *   in when complete: the old rows serve until then.
 * - Changes that arrive during a pull bump `dirty`; the run clears it by compare-and-clear and pulls again if it
 *   moved (#3), a bounded number of times.
 * - A pull that finds nothing new writes no busy rows: an unchanged delta, a 304, or a listing whose content hash
 *   equals the last one.
 */
export interface SyncTarget {
  tenantId: TenantId;
  hostId: HostId;
  connectionId: string;
  calendarRef: string;
  hostTimeZone: string;
}

export type SyncOutcome =
  | {
      status: "unchanged" | "updated";
      rowsWritten: number;
      pages: number;
      intervals?: number;
      truncated?: boolean;
    }
  /** Another run holds the calendar; it was asked (dirty) to pull once more. */
  | { status: "busy" }
  | { status: "failed"; error: SourceError };

export interface SyncCalendarParams {
  db: Database;
  source: CalendarSource;
  target: SyncTarget;
  window: { from: Date; to: Date };
  now: () => Date;
  /** Who holds the lease (process and run); random per run when not given. */
  owner?: string;
  maxRounds?: number;
  maxPages?: number;
  leaseTtlMs?: number;
  /**
   * Told the changes of each page once it is stored (two-way sync: the handler picks out the events we wrote). It
   * runs outside the page's transaction and must not throw for a single event it cannot apply.
   */
  onPageApplied?: (page: { upserts: SourceBusyInterval[]; removedRefs: string[] }) => Promise<void>;
}

class LeaseLost extends Error {}

/** Stable hash of a listing's content: the same events in any order give the same hash. */
function contentHashOf(intervals: SourceBusyInterval[]): string {
  const lines = intervals
    .map(
      (i) =>
        `${i.sourceRef}\u0000${i.start.getTime()}\u0000${i.end.getTime()}\u0000${i.status}\u0000${i.allDay?.startDate ?? ""}\u0000${i.allDay?.endDate ?? ""}\u0000${i.bookingId ?? ""}`,
    )
    .sort();
  return createHash("sha256").update(lines.join("\n")).digest("base64url");
}

/**
 * A complete snapshot says whether the source read all of the window. A cut one is not complete data: the time
 * from the cut on is stored as unknown (availability fails closed there) and the connection shows why.
 */
function truncationOf(
  result: Extract<PullResult, { kind: "snapshot" }>,
  at: Date,
): { warnings: SyncWarning[]; incompleteFrom: Date | null } {
  if (!result.truncated) return { warnings: [], incompleteFrom: null };
  const from = result.incompleteFrom ?? null;
  const reason = result.truncation ?? "the source could not read all of the window";
  const where = from
    ? `busy time from ${from.toISOString()} on is unknown, so the host is not offered from then`
    : "busy time is incomplete";
  return {
    warnings: [
      {
        code: "expansion_truncated",
        message: `${reason}: ${where}`,
        at: at.toISOString(),
        ...(from ? { unavailableFrom: from.toISOString() } : {}),
      },
    ],
    incompleteFrom: from ?? at,
  };
}

export async function syncCalendar(params: SyncCalendarParams): Promise<SyncOutcome> {
  const { db, source, target } = params;
  const key = { connectionId: target.connectionId, calendarRef: target.calendarRef };
  const owner = params.owner ?? `run-${Math.random().toString(36).slice(2)}`;
  const ttlMs = params.leaseTtlMs ?? 120_000;
  const busyTarget: BusyTarget = target;
  await ensureSyncState(db, { ...key, tenantId: target.tenantId });
  if (!(await acquireCalendarLease(db, { ...key, owner, now: params.now(), ttlMs }))) {
    await markCalendarDirty(db, key);
    return { status: "busy" };
  }
  let rowsWritten = 0;
  let pages = 0;
  // The refs of the listing being staged, so a page looks up only its replays (see stageRows).
  const staging: { refs?: Set<string> } = {};
  let intervals = 0;
  let truncated = false;
  try {
    for (let round = 0; round < (params.maxRounds ?? 3); round++) {
      let state = (await readSyncState(db, key)) as SyncStateRow;
      const dirtyAtStart = state.dirty;
      let resets = 0;
      // The next page is fetched while this one is written: provider latency and database time overlap.
      let prefetched: { cursor: SyncCursor; pull: ReturnType<CalendarSource["pull"]> } | undefined;
      const pullPage = (cursor: SyncCursor | null) =>
        source.pull({
          calendarRef: target.calendarRef,
          cursor,
          window: params.window,
          hostTimeZone: target.hostTimeZone,
        });
      for (let page = 0; page < (params.maxPages ?? 10_000); page++) {
        const listing = state.stagingCursor !== null || state.cursor === null;
        const cursor = (state.stagingCursor ?? state.cursor) as SyncCursor | null;
        const pulled = await (prefetched && prefetched.cursor === cursor
          ? prefetched.pull
          : pullPage(cursor));
        prefetched = undefined;
        const at = params.now();
        if (!pulled.ok && pulled.error.kind === "sync_cursor_invalid" && resets++ < 2) {
          // Start a full listing; the live rows keep serving until it completes (#4).
          await db.transaction(async (tx) => {
            if (!(await holdCalendarLease(tx, { ...key, owner, now: at, ttlMs }))) throw new LeaseLost();
            rowsWritten += await discardStagedRows(tx, busyTarget);
            staging.refs = new Set();
            await updateSyncState(tx, key, {
              cursor: null,
              stagingCursor: null,
              contentHash: null,
              updatedAt: at,
            });
          });
          state = { ...state, cursor: null, stagingCursor: null, contentHash: null };
          continue;
        }
        if (!pulled.ok) {
          // The staging cursor stays: the next run resumes the listing where this one stopped.
          await updateSyncState(db, key, {
            lastAttemptAt: at,
            lastError: `${pulled.error.kind}: ${pulled.error.message}`,
            consecutiveFailures: state.consecutiveFailures + 1,
            updatedAt: at,
          });
          return { status: "failed", error: pulled.error };
        }
        pages++;
        const result = pulled.value;
        const complete = result.kind === "unchanged" || result.complete !== false;
        if (!complete && result.nextCursor) {
          const next = pullPage(result.nextCursor);
          // Settled here too, so a run that stops early (lease lost) leaves no unhandled rejection behind.
          next.catch(() => undefined);
          prefetched = { cursor: result.nextCursor, pull: next };
        }
        // The page, the cursor that follows it and the lease renewal commit together (#5), or not at all.
        const { applied, patch } = await db.transaction(async (tx) => {
          const page = await applyPage(tx, {
            target: busyTarget,
            window: params.window,
            state,
            result,
            listing,
            cursor,
            staging,
          });
          const pagePatch = {
            cursor: page.cursor,
            stagingCursor: page.stagingCursor,
            contentHash: page.contentHash,
            lastAttemptAt: at,
            ...(complete ? { lastSuccessAt: at, lastError: null, consecutiveFailures: 0 } : {}),
            ...(complete && result.kind === "snapshot" ? truncationOf(result, at) : {}),
            updatedAt: at,
          };
          if (!(await saveWithLease(tx, { ...key, owner, now: at, ttlMs, patch: pagePatch })))
            throw new LeaseLost();
          return { applied: page, patch: pagePatch };
        });
        rowsWritten += applied.rowsWritten;
        intervals += applied.intervals;
        if (params.onPageApplied && result.kind !== "unchanged") {
          await params.onPageApplied({
            upserts: result.kind === "snapshot" ? result.intervals : result.upserts,
            removedRefs: result.kind === "delta" ? result.removedRefs : [],
          });
        }
        truncated ||= result.kind === "snapshot" && result.truncated === true;
        state = { ...state, ...patch };
        if (complete && applied.stagingCursor === null) break;
      }
      if (await clearDirty(db, { ...key, seen: dirtyAtStart })) break;
    }
    return {
      status: rowsWritten > 0 ? "updated" : "unchanged",
      rowsWritten,
      pages,
      intervals,
      ...(truncated ? { truncated: true } : {}),
    };
  } catch (error) {
    if (error instanceof LeaseLost) return { status: "busy" };
    throw error;
  } finally {
    await releaseCalendarLease(db, { ...key, owner });
  }
}

interface PageWrite {
  rowsWritten: number;
  intervals: number;
  cursor: string | null;
  stagingCursor: string | null;
  contentHash: string | null;
}

/** Writes one page; returns the cursors to store with it. Runs inside the page's transaction. */
async function applyPage(
  tx: Database,
  params: {
    target: BusyTarget;
    window: { from: Date; to: Date };
    state: SyncStateRow;
    result: PullResult;
    listing: boolean;
    cursor: SyncCursor | null;
    staging: { refs?: Set<string> };
  },
): Promise<PageWrite> {
  const { target, window, state } = params;
  // "Nothing more" on the last page of a listing still completes it: the staged set is swapped in.
  const result: PullResult =
    params.result.kind === "unchanged" && state.stagingCursor !== null
      ? { kind: "delta", upserts: [], removedRefs: [], nextCursor: params.result.nextCursor, complete: true }
      : params.result;
  if (result.kind === "unchanged") {
    const cursor = result.nextCursor ?? state.cursor;
    return { rowsWritten: 0, intervals: 0, cursor, stagingCursor: null, contentHash: state.contentHash };
  }
  const complete = result.complete !== false;
  const intervals = result.kind === "snapshot" ? result.intervals : result.upserts;
  const removal =
    result.kind === "delta"
      ? {
          removedRefs: result.removedRefs,
          ...(result.removedSeriesRefs ? { removedSeriesRefs: result.removedSeriesRefs } : {}),
        }
      : {};
  if (result.kind === "delta" && !params.listing) {
    const rowsWritten = await applyDeltaRows(tx, { ...target, window, upserts: intervals, ...removal });
    const cursor = result.nextCursor ?? params.cursor;
    return { rowsWritten, intervals: intervals.length, cursor, stagingCursor: null, contentHash: null };
  }
  // A page of a full listing: the first one (a snapshot) starts a new staged set, later ones add to it.
  let rowsWritten = 0;
  let hash: string | null = null;
  if (result.kind === "snapshot") {
    rowsWritten += await discardStagedRows(tx, target);
    params.staging.refs = new Set();
    hash = complete ? (result.contentHash ?? contentHashOf(intervals)) : null;
    // A single complete listing equal to the last one changes nothing.
    if (hash !== null && hash === state.contentHash && state.cursor !== null) {
      return {
        rowsWritten,
        intervals: intervals.length,
        cursor: result.nextCursor,
        stagingCursor: null,
        contentHash: hash,
      };
    }
  }
  // A listing resumed from an earlier run (or process) learns once what that run staged.
  params.staging.refs ??= await listStagedRefs(tx, target);
  rowsWritten += await stageRows(tx, {
    ...target,
    window,
    intervals,
    ...removal,
    stagedRefs: params.staging.refs,
  });
  if (!complete) {
    return {
      rowsWritten,
      intervals: intervals.length,
      cursor: null,
      stagingCursor: result.nextCursor,
      contentHash: null,
    };
  }
  rowsWritten += await swapStagedRows(tx, target);
  return {
    rowsWritten,
    intervals: intervals.length,
    cursor: result.nextCursor,
    stagingCursor: null,
    contentHash: hash,
  };
}
