import { type ExecProtocolOptions, PGlite } from "@electric-sql/pglite";

/**
 * PGlite runs the database on the event loop's thread, and hands its query lock to the next waiting query in a
 * microtask: every query queued behind a busy one (other syncs' batches, the job engine's polls, API reads) then runs
 * in the same task, and the loop answers no request until all of them are done (issue #11: /healthz waited for
 * ~100 ms of database work while big feeds synced). Each protocol message here first checks how long the loop has
 * gone without a turn, and past SLICE_MS lets it run one (setImmediate: pending I/O, /healthz included, is served
 * first). A transaction keeps its lock while it waits, so nothing else interleaves with it.
 */
const SLICE_MS = 15;

export class TurnTakingPGlite extends PGlite {
  #sliceStart = performance.now();

  override async execProtocolRaw(message: Uint8Array, options?: ExecProtocolOptions): Promise<Uint8Array> {
    if (performance.now() - this.#sliceStart >= SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      this.#sliceStart = performance.now();
    }
    return super.execProtocolRaw(message, options);
  }
}
