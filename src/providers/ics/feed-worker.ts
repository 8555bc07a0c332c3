import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { type CalendarObjectsJob, mapCalendarObjects } from "../caldav/caldav-mapper.ts";
import { expandFeed, type FeedExpansionJob } from "./feed-expansion.ts";

/**
 * The worker thread's side of the feed pool: one job at a time, an .ics feed or a batch of CalDAV objects. Typed
 * arrays go back in the transfer list, so the main thread receives them without a copy. A job that runs too long is
 * not asked to stop: the pool terminates the thread.
 */
export type WorkerJob =
  | { kind: "feed"; job: FeedExpansionJob }
  | { kind: "objects"; job: CalendarObjectsJob };

const port = parentPort;
if (!port) throw new Error("feed-worker runs as a worker thread");
// On a busy machine (2 cores, a feed being read on one) the event loop must win the CPU: on Linux a thread's nice
// value is its own, so this lowers the reader only. Elsewhere it may lower the process or fail: both harmless.
try {
  setPriority(10);
} catch {
  // Not permitted here: the reader runs at normal priority.
}
port.on("message", (message: WorkerJob) => {
  let answer: ReturnType<typeof expandFeed> | ReturnType<typeof mapCalendarObjects>;
  try {
    answer = message.kind === "feed" ? expandFeed(message.job) : mapCalendarObjects(message.job);
  } catch (error) {
    // A bug or an input the reader did not foresee: reported as unreadable data, not a dead worker.
    const text = error instanceof Error ? error.message : String(error);
    const what = message.kind === "feed" ? "the feed" : "the calendar objects";
    answer = { ok: false, error: { kind: "invalid_data", message: `${what} could not be read: ${text}` } };
  }
  const transfer =
    answer.ok && "starts" in answer.value
      ? [answer.value.starts.buffer, answer.value.ends.buffer, answer.value.tentative.buffer]
      : [];
  port.postMessage(answer, transfer as ArrayBuffer[]);
});
port.postMessage("ready");
