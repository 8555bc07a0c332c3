import { parentPort } from "node:worker_threads";
import { expandFeed, type FeedExpansionJob } from "./feed-expansion.ts";

/**
 * The worker thread's side of the feed pool: one job at a time. Typed arrays go back in the transfer list, so the
 * main thread receives them without a copy. A job that runs too long is not asked to stop: the pool terminates
 * the thread.
 */
const port = parentPort;
if (!port) throw new Error("feed-worker runs as a worker thread");
port.on("message", (job: FeedExpansionJob) => {
  let answer: ReturnType<typeof expandFeed>;
  try {
    answer = expandFeed(job);
  } catch (error) {
    // A bug or an input the reader did not foresee: reported as unreadable data, not a dead worker.
    const message = error instanceof Error ? error.message : String(error);
    answer = {
      ok: false,
      error: { kind: "invalid_data", message: `the feed could not be read: ${message}` },
    };
  }
  const transfer = answer.ok
    ? [answer.value.starts.buffer, answer.value.ends.buffer, answer.value.tentative.buffer]
    : [];
  port.postMessage(answer, transfer as ArrayBuffer[]);
});
port.postMessage("ready");
