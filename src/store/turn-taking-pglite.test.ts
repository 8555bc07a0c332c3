import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { TurnTakingPGlite } from "./turn-taking-pglite.ts";

/**
 * Queries queued behind each other on PGlite run in one task unless the client lets the event loop in: a timer due
 * at once (a request waiting to be answered) must fire while most of a long queue of queries is still waiting.
 */
async function queriesDoneWhenTimerFires(client: PGlite): Promise<{ done: number; total: number }> {
  const total = 40;
  let done = 0;
  const timer = new Promise<number>((resolve) => setTimeout(() => resolve(done), 0));
  const queries = Array.from({ length: total }, () =>
    client.query("select count(*) from generate_series(1, 5000)").then(() => {
      done += 1;
    }),
  );
  const atTimer = await timer;
  await Promise.all(queries);
  return { done: atTimer, total };
}

describe("TurnTakingPGlite", () => {
  const plain = new PGlite();
  const turnTaking = new TurnTakingPGlite();
  afterAll(async () => {
    await plain.close();
    await turnTaking.close();
  });

  it("lets a due timer run before a long queue of queries is done (a plain client runs them all first)", async () => {
    await Promise.all([plain.waitReady, turnTaking.waitReady]);
    // The premise: without turns, the whole queue runs before the timer.
    const withoutTurns = await queriesDoneWhenTimerFires(plain);
    expect(withoutTurns.done).toBe(withoutTurns.total);
    const withTurns = await queriesDoneWhenTimerFires(turnTaking);
    expect(withTurns.done).toBeLessThan(withTurns.total / 2);
  }, 60_000);
});
