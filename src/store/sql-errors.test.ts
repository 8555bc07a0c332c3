import { describe, expect, it } from "vitest";
import { retryDeadlocks } from "./sql-errors.ts";

/** As Drizzle wraps a driver error: the SQLSTATE on `cause`. */
const failure = (code: string) => Object.assign(new Error(`failed ${code}`), { cause: { code } });

describe("retryDeadlocks", () => {
  it("runs a deadlock victim again and returns what the next attempt gives", async () => {
    let calls = 0;
    const result = await retryDeadlocks(async () => {
      calls++;
      if (calls === 1) throw failure("40P01");
      return "booked";
    });
    expect([result, calls]).toEqual(["booked", 2]);
  });

  it("passes other errors through at once, and a deadlock after the last attempt", async () => {
    let calls = 0;
    await expect(
      retryDeadlocks(async () => {
        calls++;
        throw failure("23P01");
      }),
    ).rejects.toThrow("failed 23P01");
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      retryDeadlocks(async () => {
        calls++;
        throw failure("40P01");
      }),
    ).rejects.toThrow("failed 40P01");
    expect(calls).toBe(3);
  });
});
