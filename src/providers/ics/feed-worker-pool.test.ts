import { afterEach, describe, expect, it } from "vitest";
import { createFeedWorkerPool, type FeedReader } from "./feed-worker-pool.ts";

const feed = (...lines: string[]) =>
  new TextEncoder().encode(
    ["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", ...lines, "END:VEVENT", "END:VCALENDAR", ""].join(
      "\r\n",
    ),
  );
const window = { fromMs: Date.parse("2030-03-01T00:00:00Z"), toMs: Date.parse("2031-03-01T00:00:00Z") };

describe("feed worker pool", () => {
  let pool: FeedReader | undefined;
  afterEach(async () => {
    await pool?.close();
  });

  it("reads a feed off the event loop: runs of a series merged, a cut reported with where it starts", async () => {
    pool = createFeedWorkerPool({
      size: 1,
      timeBudgetMs: 60_000,
      maxOccurrences: 5000,
      maxSeriesSteps: 20_000,
    });
    const read = await pool.read({
      body: feed("UID:tick", "DTSTART:20300305T090000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY"),
      ...window,
      hostTimeZone: "Europe/Berlin",
    });
    if (!read.ok) throw new Error(read.error.message);
    // 5000 one-second occurrences back to back are one interval.
    expect([...read.value.starts]).toEqual([Date.parse("2030-03-05T09:00:00Z")]);
    expect([...read.value.ends]).toEqual([Date.parse("2030-03-05T10:23:20Z")]);
    expect(read.value).toMatchObject({
      occurrences: 5000,
      truncated: true,
      refs: ["tick#2030-03-05T09:00:00Z"],
    });
    // The cut is moved back by the widest zone offset (floating and all-day times are wall clock).
    expect(read.value.incompleteFromMs).toBe(Date.parse("2030-03-05T10:23:20Z") - 14 * 3_600_000);
  });

  it("terminates a worker past its time budget, fails that feed, and reads the next one", async () => {
    pool = createFeedWorkerPool({
      size: 1,
      timeBudgetMs: 100,
      maxOccurrences: 1_000_000,
      maxSeriesSteps: 1e9,
    });
    const heavy = pool.read({
      body: feed(
        "UID:heavy",
        "DTSTART:20300301T000000Z",
        "DURATION:PT1S",
        "RRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",
      ),
      ...window,
      hostTimeZone: "UTC",
    });
    const light = pool.read({
      body: feed("UID:one", "DTSTART:20300302T090000Z", "DTEND:20300302T100000Z"),
      ...window,
      hostTimeZone: "UTC",
    });
    expect(await heavy).toEqual({
      ok: false,
      error: { kind: "invalid_data", message: expect.stringMatching(/longer than 100 ms/) },
    });
    const next = await light;
    if (!next.ok) throw new Error(next.error.message);
    expect(next.value).toMatchObject({ refs: ["one"], truncated: false, incompleteFromMs: null });
  });

  it("answers malformed feeds as invalid data", async () => {
    pool = createFeedWorkerPool({ size: 2, timeBudgetMs: 60_000, maxOccurrences: 10 });
    const read = await pool.read({
      body: new TextEncoder().encode("not a calendar"),
      ...window,
      hostTimeZone: "UTC",
    });
    expect(read).toMatchObject({ ok: false, error: { kind: "invalid_data" } });
  });
});
