import { Worker } from "node:worker_threads";
import type { SourceResult } from "../../core/sync/calendar-source.ts";
import type { CalendarObjectsJob, MappedCalendarObjects } from "../caldav/caldav-mapper.ts";
import type { ExpandedFeed, FeedExpansionJob } from "./feed-expansion.ts";
import type { WorkerJob } from "./feed-worker.ts";

/**
 * A small pool of worker threads that read .ics feeds and CalDAV calendar objects (parse, expand, merge) off the
 * event loop. Each job has a
 * time budget: a worker still busy when it runs out is terminated (the only way to stop a synchronous loop) and
 * replaced, and the job fails as `invalid_data`. Jobs beyond the pool's size wait their turn, so any number of
 * "sync now" requests costs at most `size` busy threads. Workers are unref'd: an idle pool keeps no process alive.
 */
export interface FeedReader {
  read(job: Omit<FeedExpansionJob, "maxOccurrences" | "maxSeriesSteps">): Promise<SourceResult<ExpandedFeed>>;
  /** CalDAV object resources as busy time (mapCalendarObjects), each within the budgets of a feed. */
  mapCalendarObjects(
    job: Omit<CalendarObjectsJob, "maxOccurrences" | "maxSeriesSteps">,
  ): Promise<SourceResult<MappedCalendarObjects>>;
  close(): Promise<void>;
}

export interface FeedWorkerPoolOptions {
  size: number;
  /** Wall time a worker may spend on one feed (its own thread, so its CPU time when a core is free). */
  timeBudgetMs: number;
  /** Occurrences kept per feed; the rest of the window fails closed and is reported as a warning. */
  maxOccurrences: number;
  /** Recurrence steps one series may spend (see expandOccurrences). */
  maxSeriesSteps?: number;
  /** Heap of one worker: a feed that needs more fails instead of growing the process without bound. */
  maxHeapMb?: number;
}

interface Job {
  input: WorkerJob;
  transfer: ArrayBuffer[];
  /** What the job reads, for its errors ("the feed", "the calendar objects"). */
  what: string;
  resolve(result: SourceResult<unknown>): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

const entry = new URL("./feed-worker-boot.mjs", import.meta.url);

export function createFeedWorkerPool(options: FeedWorkerPoolOptions): FeedReader {
  const queue: Job[] = [];
  const slots = new Set<Slot>();
  let closed = false;

  const finish = (slot: Slot, result: SourceResult<unknown>): void => {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    job?.resolve(result);
  };

  const retire = (slot: Slot, result: SourceResult<unknown>): void => {
    if (!slots.delete(slot)) return;
    finish(slot, result);
    void slot.worker.terminate();
    pump();
  };

  const spawn = (): Slot => {
    const worker = new Worker(entry, {
      resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 512 },
    });
    worker.unref();
    const slot: Slot = { worker, ready: false, job: null, timer: null };
    worker.on("message", (message: "ready" | SourceResult<unknown>) => {
      if (message === "ready") {
        slot.ready = true;
      } else {
        finish(slot, message);
      }
      pump();
    });
    const fail = (why: string) => {
      const error = (what: string) =>
        ({
          ok: false,
          error: { kind: "invalid_data", message: `${what} could not be read: ${why}` },
        }) as const;
      // A worker that dies before it is ready (a broken install) takes a waiting job with it: no respawn loop.
      if (slots.has(slot) && !slot.ready && !slot.job) {
        const waiting = queue.shift();
        waiting?.resolve(error(waiting.what));
      }
      retire(slot, error(slot.job?.what ?? "the feed"));
    };
    worker.on("error", (error) =>
      fail(
        (error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY"
          ? "it needs more memory than a feed may use"
          : error.message,
      ),
    );
    worker.on("exit", (code) => fail(`the reader stopped (exit code ${code})`));
    slots.add(slot);
    return slot;
  };

  const start = (slot: Slot, job: Job): void => {
    slot.job = job;
    slot.timer = setTimeout(() => {
      retire(slot, {
        ok: false,
        error: {
          kind: "invalid_data",
          message: `reading ${job.what} took longer than ${options.timeBudgetMs} ms (ICS_FEED_TIME_BUDGET_MS): too large or too complex`,
        },
      });
    }, options.timeBudgetMs);
    slot.timer.unref();
    slot.worker.postMessage(job.input, job.transfer);
  };

  const enqueue = <T>(input: WorkerJob, transfer: ArrayBuffer[], what: string): Promise<SourceResult<T>> => {
    if (closed) {
      return Promise.resolve({
        ok: false,
        error: { kind: "unavailable", message: "the service is stopping" },
      });
    }
    return new Promise((resolve) => {
      queue.push({ input, transfer, what, resolve: resolve as Job["resolve"] });
      pump();
    });
  };
  const budgets = () => ({
    maxOccurrences: options.maxOccurrences,
    maxSeriesSteps: options.maxSeriesSteps ?? 250_000,
  });

  function pump(): void {
    if (closed) return;
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.ready && slot.job === null) start(slot, queue.shift() as Job);
    }
    if (queue.length > 0 && slots.size < options.size) spawn();
  }

  return {
    read(input) {
      // The body is transferred to the worker: copy it when it is a view on a larger buffer (or shared with others).
      const body =
        input.body.byteOffset === 0 && input.body.byteLength === input.body.buffer.byteLength
          ? input.body
          : input.body.slice();
      return enqueue<ExpandedFeed>(
        { kind: "feed", job: { ...input, body, ...budgets() } },
        [body.buffer as ArrayBuffer],
        "the feed",
      );
    },
    mapCalendarObjects(input) {
      const { maxOccurrences, maxSeriesSteps } = budgets();
      return enqueue<MappedCalendarObjects>(
        {
          kind: "objects",
          job: {
            ...input,
            maxOccurrences: Math.min(maxOccurrences, MAX_OCCURRENCES_PER_OBJECT),
            maxSeriesSteps,
          },
        },
        [],
        "the calendar objects",
      );
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) {
        job.resolve({ ok: false, error: { kind: "unavailable", message: "the service is stopping" } });
      }
      const stopping = [...slots];
      slots.clear();
      for (const slot of stopping) {
        finish(slot, { ok: false, error: { kind: "unavailable", message: "the service is stopping" } });
      }
      await Promise.all(stopping.map((slot) => slot.worker.terminate()));
    },
  };
}

/** The defaults of the ICS_FEED_* budgets (src/config.ts). */
/**
 * One CalDAV object is one event or series: past 10,000 occurrences in the window (more than one an hour for a
 * year) it is cut and fails closed from the cut. Each occurrence is a row the main thread receives and writes, so
 * the feed's budget (50,000) for one object cost the event loop a visible pause on the embedded database.
 */
export const MAX_OCCURRENCES_PER_OBJECT = 10_000;

export const DEFAULT_FEED_BUDGETS = { size: 1, timeBudgetMs: 20_000, maxOccurrences: 50_000 } as const;

let shared: FeedReader | undefined;

/** One pool for the process, with the default budgets, for callers that were not given one (tests, the CLI). */
export function sharedFeedReader(): FeedReader {
  shared ??= createFeedWorkerPool(DEFAULT_FEED_BUDGETS);
  return shared;
}
