import { createHash } from "node:crypto";
import type { PullResult, SourceBusyInterval } from "../core/sync/calendar-source.ts";
import { type BusyTarget, LISTING_TRANSACTION_ROWS, listStagedRefs, stageRows } from "../store/busy-cache.ts";
import type { Database } from "../store/database.ts";
import {
  type CalendarKey,
  holdCalendarLease,
  type SyncStateRow,
  updateSyncState,
} from "../store/sync-states-repository.ts";

/**
 * The writing half of a full listing (first sync, a relisting after an invalid cursor, every .ics snapshot), by
 * generation: the listing's rows go under a generation of their own, which nothing serves until the sync engine makes
 * it the calendar's served one (one row, with the last page's cursor). A big page (a 25k-event feed is one page) is
 * written here, before its page's transaction, in transactions of LISTING_TRANSACTION_ROWS rows: PGlite runs on the
 * main thread, and neither one statement nor one commit may hold it for long. A crash between them leaves rows of an
 * unserved generation: never read, dropped after the next swap. A page of a provider's size is written in its
 * page's transaction (one commit per page).
 */
export interface Lease extends CalendarKey {
  owner: string;
  now: () => Date;
  ttlMs: number;
}

export class LeaseLost extends Error {}

/** What the page's transaction does with a listing page prepared here. */
export type PreparedListing =
  /** A complete snapshot equal to the last one: nothing is written. */
  | { kind: "same"; hash: string }
  | {
      kind: "staged";
      generation: number;
      /** Rows written so far (here): the page's transaction writes the rest (`pending`). */
      rowsWritten: number;
      pending: boolean;
      /** The sync state to store with the page (a newly started generation). */
      started: Partial<SyncStateRow>;
      hash: string | null;
    };

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

/** Runs `work` in a transaction that first checks the run still holds the calendar. */
async function withLease<T>(db: Database, lease: Lease, work: (tx: Database) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    if (!(await holdCalendarLease(tx, { ...lease, now: lease.now() }))) throw new LeaseLost();
    return work(tx);
  });
}

export async function prepareListingPage(
  db: Database,
  params: {
    target: BusyTarget;
    window: { from: Date; to: Date };
    state: SyncStateRow;
    result: Extract<PullResult, { kind: "snapshot" | "delta" }>;
    staging: { refs?: Set<string> };
    lease: Lease;
  },
): Promise<PreparedListing> {
  const { state, result, target, window } = params;
  const complete = result.complete !== false;
  const intervals = result.kind === "snapshot" ? result.intervals : result.upserts;
  let hash: string | null = null;
  if (result.kind === "snapshot") {
    hash = complete ? (result.contentHash ?? contentHashOf(intervals)) : null;
    // A single complete listing equal to the last one changes nothing.
    if (hash !== null && hash === state.contentHash && state.cursor !== null) return { kind: "same", hash };
  }
  // A snapshot starts a new listing; so does the first page of one (no staging cursor yet). Generations only grow
  // (staging_generation keeps the highest one started until a swap makes it the served one), so a new one never
  // meets rows an abandoned listing left.
  let generation = state.stagingGeneration;
  let started: Partial<SyncStateRow> = {};
  if (result.kind === "snapshot" || state.stagingCursor === null || generation === null) {
    generation = Math.max(state.busyGeneration, state.stagingGeneration ?? 0) + 1;
    started = { stagingGeneration: generation };
    params.staging.refs = new Set();
  }
  const listing = { ...target, generation };
  // A listing resumed from an earlier run (or process) learns once what that run staged.
  params.staging.refs ??= await listStagedRefs(db, listing);
  const removal =
    result.kind === "delta"
      ? {
          removedRefs: result.removedRefs,
          ...(result.removedSeriesRefs ? { removedSeriesRefs: result.removedSeriesRefs } : {}),
        }
      : {};
  if (intervals.length <= LISTING_TRANSACTION_ROWS)
    return { kind: "staged", generation, rowsWritten: 0, pending: true, started, hash };
  // The generation is recorded before any of its rows exist: the next listing then starts above it.
  if (started.stagingGeneration !== undefined) {
    await withLease(db, params.lease, (tx) => updateSyncState(tx, params.lease, started));
  }
  let rowsWritten = 0;
  for (let i = 0; i < intervals.length; i += LISTING_TRANSACTION_ROWS) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    rowsWritten += await withLease(db, params.lease, (tx) =>
      stageRows(tx, {
        ...listing,
        window,
        intervals: intervals.slice(i, i + LISTING_TRANSACTION_ROWS),
        ...(i === 0 ? removal : {}),
        stagedRefs: params.staging.refs as Set<string>,
      }),
    );
  }
  return { kind: "staged", generation, rowsWritten, pending: false, started, hash };
}

/** The part of a prepared listing page that runs in the page's transaction: the rows of a small page. */
export async function finishListingPage(
  tx: Database,
  params: {
    target: BusyTarget;
    window: { from: Date; to: Date };
    result: Extract<PullResult, { kind: "snapshot" | "delta" }>;
    prepared: Extract<PreparedListing, { kind: "staged" }>;
    staging: { refs?: Set<string> };
  },
): Promise<number> {
  const { result, prepared } = params;
  if (!prepared.pending) return 0;
  return stageRows(tx, {
    ...params.target,
    generation: prepared.generation,
    window: params.window,
    intervals: result.kind === "snapshot" ? result.intervals : result.upserts,
    ...(result.kind === "delta"
      ? {
          removedRefs: result.removedRefs,
          ...(result.removedSeriesRefs ? { removedSeriesRefs: result.removedSeriesRefs } : {}),
        }
      : {}),
    stagedRefs: params.staging.refs as Set<string>,
  });
}
