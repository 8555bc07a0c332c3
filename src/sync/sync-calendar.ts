import type {
  CalendarSource,
  PullResult,
  SourceBusyInterval,
  SourceError,
  SyncCursor,
} from "../core/sync/calendar-source.ts";
import { applyDeltaRows, type BusyTarget, dropSupersededRows } from "../store/busy-cache.ts";
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
import { finishListingPage, LeaseLost, type PreparedListing, prepareListingPage } from "./stage-listing.ts";

/**
 * Pulls one calendar into the busy cache, page by page. The engine is the only writer of busy rows and sync state;
 * each page is written in one transaction with the cursor that follows it (sync-failure-modes.md #5), so a run that
 * stops half way (throttled, crashed, killed) resumes at the page where it stopped and loses nothing.
 *
 * - One writer per calendar across all processes (a lease renewed per page); a run that lost its lease stops
 *   without writing, and a run that finds the lease taken marks the calendar dirty so the holder pulls again.
 * - A full listing (first sync, or after the cursor was invalidated: #4) is written under a new generation beside
 *   the served rows and swapped in when complete by one update of the calendar's served generation: the old rows
 *   serve until then, and are deleted afterwards in small batches (see stage-listing.ts).
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
  /** Ask the source for the events' details (the connection's import switch): stored beside the busy rows. */
  details?: boolean;
  /** Told after each stored page how many events it carried (the connection's sync progress). */
  onPageStored?: (page: { events: number }) => Promise<void>;
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

/**
 * Cursors of runs that read details (the import switch) are stored marked, so a run that wants details can tell a
 * cursor left by a run without them (one that was already running when import was switched on, and stored its cursor
 * over the switch's reset) and lists afresh instead of continuing a delta that would never bring the details.
 */
const DETAILS_CURSOR = "details:";

function markCursor(cursor: string | null, details: boolean): string | null {
  return cursor !== null && details ? `${DETAILS_CURSOR}${cursor}` : cursor;
}

function cursorsFor(state: SyncStateRow, details: boolean): SyncStateRow {
  const marked = (cursor: string | null) => cursor === null || cursor.startsWith(DETAILS_CURSOR);
  const bare = (cursor: string | null) =>
    cursor?.startsWith(DETAILS_CURSOR) ? cursor.slice(DETAILS_CURSOR.length) : cursor;
  if (details && !(marked(state.cursor) && marked(state.stagingCursor)))
    return { ...state, cursor: null, stagingCursor: null, contentHash: null };
  if (state.cursor === bare(state.cursor) && state.stagingCursor === bare(state.stagingCursor)) return state;
  return { ...state, cursor: bare(state.cursor), stagingCursor: bare(state.stagingCursor) };
}

/** How far short of the window's end a listing may fall before the calendar is listed afresh (the window rolls). */
const RELIST_SLACK_MS = 86_400_000;

function listsShort(state: Pick<SyncStateRow, "syncedUntil">, window: { from: Date; to: Date }): boolean {
  return state.syncedUntil !== null && state.syncedUntil.getTime() < window.to.getTime() - RELIST_SLACK_MS;
}

/** Whether this page completes a read of the whole window (a snapshot, or the last page of a listing). */
function listedWhole(
  result: PullResult,
  state: Pick<SyncStateRow, "stagingCursor">,
  listing: boolean,
): boolean {
  if (result.kind === "snapshot") return true;
  // "Unchanged" outside a staged listing (same content hash, a 304) reads nothing new: it vouches for no new time.
  return listing && (result.kind !== "unchanged" || state.stagingCursor !== null);
}

/**
 * The end of what the calendar's busy time now covers. A full listing reads the whole window. A delta reports
 * changes and reads no new time: the covered span rolls forward as time passes, as the window does, but never past
 * the window nor longer than the last listing's, so a horizon lengthened since is not vouched for until a listing.
 */
function coveredUntil(
  state: Pick<SyncStateRow, "syncedUntil" | "lastSuccessAt">,
  listed: boolean,
  window: { from: Date; to: Date },
  at: Date,
): Date | null {
  if (listed) return window.to;
  if (state.syncedUntil === null || state.lastSuccessAt === null) return state.syncedUntil;
  const rolled = state.syncedUntil.getTime() + Math.max(0, at.getTime() - state.lastSuccessAt.getTime());
  return new Date(Math.min(rolled, window.to.getTime()));
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
      const stored = (await readSyncState(db, key)) as SyncStateRow;
      let state = cursorsFor(stored, params.details === true);
      // Details are asked for (the import switch) but the cursor continues a run without them: deltas carry only
      // changed events, so list afresh (the served rows keep serving) and every event's details fill.
      if (state.contentHash === null && stored.contentHash !== null) staging.refs = new Set();
      else if (state.cursor === null && (stored.cursor !== null || stored.stagingCursor !== null))
        staging.refs = new Set();
      if (state.stagingCursor === null && listsShort(state, params.window)) {
        // The window grew past the last listing (a longer horizon): a delta would never read the new time, so the
        // calendar is listed afresh (the served rows keep serving until the listing completes, #4).
        await updateSyncState(db, key, { cursor: null, contentHash: null, updatedAt: params.now() });
        state = { ...state, cursor: null, contentHash: null };
      }
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
          ...(params.details ? { details: true } : {}),
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
          // Start a full listing (under a new generation); the served rows keep serving until it completes (#4).
          await db.transaction(async (tx) => {
            if (!(await holdCalendarLease(tx, { ...key, owner, now: at, ttlMs }))) throw new LeaseLost();
            await updateSyncState(tx, key, {
              cursor: null,
              stagingCursor: null,
              contentHash: null,
              updatedAt: at,
            });
          });
          staging.refs = new Set();
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
        // A listing page's rows are written first: a big page in transactions of its own (stage-listing.ts).
        const written = asListingPage(result, state, listing);
        const prepared = written
          ? await prepareListingPage(db, {
              target: busyTarget,
              window: params.window,
              state,
              result: written,
              staging,
              lease: { ...key, owner, now: params.now, ttlMs },
            })
          : undefined;
        // The page, the cursor that follows it and the lease renewal commit together (#5), or not at all.
        const { applied, patch } = await db.transaction(async (tx) => {
          const page = await applyPage(tx, {
            target: busyTarget,
            window: params.window,
            state,
            result,
            cursor,
            staging,
            prepared,
          });
          const pagePatch: Partial<SyncStateRow> = {
            cursor: markCursor(page.cursor, params.details === true),
            stagingCursor: markCursor(page.stagingCursor, params.details === true),
            contentHash: page.contentHash,
            ...page.started,
            ...page.generations,
            lastAttemptAt: at,
            ...(complete ? { lastSuccessAt: at, lastError: null, consecutiveFailures: 0 } : {}),
            ...(complete && result.kind === "snapshot" ? truncationOf(result, at) : {}),
            ...(complete
              ? { syncedUntil: coveredUntil(state, listedWhole(result, state, listing), params.window, at) }
              : {}),
            updatedAt: at,
          };
          if (!(await saveWithLease(tx, { ...key, owner, now: at, ttlMs, patch: pagePatch })))
            throw new LeaseLost();
          return { applied: page, patch: pagePatch };
        });
        rowsWritten += applied.rowsWritten;
        intervals += applied.intervals;
        // The swap is done: the superseded generation goes, in small batches, while the new one serves.
        if (patch.busyGeneration !== undefined)
          rowsWritten += await dropSupersededRows(db, {
            ...busyTarget,
            servedGeneration: patch.busyGeneration,
          });
        if (params.onPageApplied && result.kind !== "unchanged") {
          await params.onPageApplied({
            upserts: result.kind === "snapshot" ? result.intervals : result.upserts,
            removedRefs: result.kind === "delta" ? result.removedRefs : [],
          });
        }
        await params.onPageStored?.({
          events:
            result.kind === "delta"
              ? result.upserts.length + result.removedRefs.length
              : result.kind === "snapshot"
                ? result.intervals.length
                : 0,
        });
        truncated ||= result.kind === "snapshot" && result.truncated === true;
        state = { ...state, ...patch, cursor: applied.cursor, stagingCursor: applied.stagingCursor };
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
  /** Set when the page completed a listing: its generation is now the served one. */
  generations?: { busyGeneration: number; stagingGeneration: null };
  /** Set when the page started a listing (stored with the page when stage-listing.ts did not store it). */
  started?: Partial<SyncStateRow>;
}

/** The page as part of a full listing, or undefined for a delta of the served rows and for "nothing new". */
function asListingPage(
  pulled: PullResult,
  state: SyncStateRow,
  listing: boolean,
): Extract<PullResult, { kind: "snapshot" | "delta" }> | undefined {
  // "Nothing more" on the last page of a listing still completes it: the staged generation is swapped in.
  if (pulled.kind === "unchanged")
    return state.stagingCursor !== null
      ? { kind: "delta", upserts: [], removedRefs: [], nextCursor: pulled.nextCursor, complete: true }
      : undefined;
  return pulled.kind === "snapshot" || listing ? pulled : undefined;
}

/** Writes one page; returns the cursors to store with it. Runs inside the page's transaction. */
async function applyPage(
  tx: Database,
  params: {
    target: BusyTarget;
    window: { from: Date; to: Date };
    state: SyncStateRow;
    result: PullResult;
    cursor: SyncCursor | null;
    staging: { refs?: Set<string> };
    prepared: PreparedListing | undefined;
  },
): Promise<PageWrite> {
  const { target, window, state, result, prepared } = params;
  if (result.kind === "unchanged" && prepared === undefined) {
    const cursor = result.nextCursor ?? state.cursor;
    return { rowsWritten: 0, intervals: 0, cursor, stagingCursor: null, contentHash: state.contentHash };
  }
  const complete = result.kind === "unchanged" || result.complete !== false;
  const intervals =
    result.kind === "snapshot" ? result.intervals : result.kind === "delta" ? result.upserts : [];
  if (prepared === undefined && result.kind === "delta") {
    const rowsWritten = await applyDeltaRows(tx, {
      ...target,
      generation: state.busyGeneration,
      window,
      upserts: intervals,
      removedRefs: result.removedRefs,
      ...(result.removedSeriesRefs ? { removedSeriesRefs: result.removedSeriesRefs } : {}),
    });
    const cursor = result.nextCursor ?? params.cursor;
    return { rowsWritten, intervals: intervals.length, cursor, stagingCursor: null, contentHash: null };
  }
  const nextCursor = result.nextCursor;
  if (prepared === undefined || prepared.kind === "same") {
    return {
      rowsWritten: 0,
      intervals: intervals.length,
      cursor: nextCursor,
      stagingCursor: null,
      contentHash: prepared?.hash ?? state.contentHash,
    };
  }
  const listingPage = asListingPage(result, state, true) as Extract<
    PullResult,
    { kind: "snapshot" | "delta" }
  >;
  const rowsWritten =
    prepared.rowsWritten +
    (await finishListingPage(tx, { target, window, result: listingPage, prepared, staging: params.staging }));
  if (!complete) {
    return {
      rowsWritten,
      intervals: intervals.length,
      cursor: null,
      stagingCursor: nextCursor,
      contentHash: null,
      started: prepared.started,
    };
  }
  return {
    rowsWritten,
    intervals: intervals.length,
    cursor: nextCursor,
    stagingCursor: null,
    contentHash: prepared.hash,
    generations: { busyGeneration: prepared.generation, stagingGeneration: null },
  };
}
