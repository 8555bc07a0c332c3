import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeIntervals } from "./interval-merge.ts";

/** Naive reference: mark every minute covered, read back the runs. */
function coveredRuns(intervals: Array<[number, number]>): [number[], number[]] {
  const covered = new Set<number>();
  for (const [start, end] of intervals) for (let minute = start; minute < end; minute++) covered.add(minute);
  const minutes = [...covered].sort((a, b) => a - b);
  const starts: number[] = [];
  const ends: number[] = [];
  for (const minute of minutes) {
    if (ends.length > 0 && ends[ends.length - 1] === minute) ends[ends.length - 1] = minute + 1;
    else {
      starts.push(minute);
      ends.push(minute + 1);
    }
  }
  return [starts, ends];
}

const interval = fc
  .tuple(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 120 }))
  .map(([start, length]): [number, number] => [start, start + length]);

describe("mergeIntervals", () => {
  it("merges overlapping and touching intervals, whatever the input order", () => {
    // Up to 400 intervals: scrambled lists exceed the insertion-sort budget and take the indexed sort.
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 400 }), fc.boolean(), (intervals, presorted) => {
        const input = presorted ? [...intervals].sort((a, b) => a[0] - b[0]) : intervals;
        const merged = mergeIntervals(
          input.map(([start]) => start),
          input.map(([, end]) => end),
        );
        expect(merged).toEqual(coveredRuns(intervals));
      }),
      { numRuns: 300 },
    );
  });

  it("handles reversed input (the insertion sort's worst case)", () => {
    const starts = Array.from({ length: 1000 }, (_, index) => (1000 - index) * 10);
    const ends = starts.map((start) => start + 5);
    const [mergedStarts, mergedEnds] = mergeIntervals(starts, ends);
    expect(mergedStarts).toHaveLength(1000);
    expect(mergedStarts[0]).toBe(10);
    expect(mergedEnds[999]).toBe(10005);
  });
});
