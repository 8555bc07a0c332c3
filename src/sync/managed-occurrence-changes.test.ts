import { describe, expect, it } from "vitest";
import { DEFAULT_REMINDERS } from "../core/reminders/reminder-settings.ts";
import type { TenantId } from "../store/ids.ts";
import type { ManagedEventRow } from "../store/managed-events-repository.ts";
import { differsFromRecord, recurrenceWith, removedOccurrences } from "./managed-occurrence-changes.ts";

const d = (iso: string) => new Date(iso);
/** Weekly on Tuesdays at 07:00 UTC (08:00 Berlin), 4 times from 2030-01-22; the second moved, the fourth removed. */
const series: ManagedEventRow = {
  id: "e1",
  tenantId: "t1" as TenantId,
  externalId: "x",
  status: "active",
  cancelReason: null,
  sequence: 0,
  hostIds: [],
  createdAt: d("2030-01-01T00:00:00Z"),
  updatedAt: d("2030-01-01T00:00:00Z"),
  title: "Training",
  description: null,
  startAt: d("2030-01-22T07:00:00Z"),
  endAt: d("2030-01-22T08:00:00Z"),
  timeZone: "Europe/Berlin",
  location: null,
  attendees: [],
  reminders: DEFAULT_REMINDERS,
  recurrence: {
    rule: "FREQ=WEEKLY;BYDAY=TU;COUNT=4",
    exdates: ["2030-02-12T07:00:00.000Z"],
    overrides: [
      {
        originalStart: "2030-01-29T07:00:00.000Z",
        start: "2030-01-30T12:00:00.000Z",
        end: "2030-01-30T13:00:00.000Z",
      },
    ],
  },
  blocksAvailability: true,
  metadata: {},
  calendarChangePolicy: null,
};
const window = { from: d("2030-01-01T00:00:00Z"), to: d("2030-03-01T00:00:00Z") };
const slot = (start: string, end: string) => ({ start: d(start), end: d(end) });
const all = [
  slot("2030-01-22T07:00:00Z", "2030-01-22T08:00:00Z"),
  slot("2030-01-30T12:00:00Z", "2030-01-30T13:00:00Z"),
  slot("2030-02-05T07:00:00Z", "2030-02-05T08:00:00Z"),
];

describe("removedOccurrences", () => {
  it.each([
    ["every occurrence held", all, [], []],
    ["one missing", [all[0]!, all[1]!], [], ["2030-02-05T07:00:00.000Z"]],
    ["the moved one missing", [all[0]!, all[2]!], [], ["2030-01-29T07:00:00.000Z"]],
    ["none held (the whole series went)", [], [], []],
    // A row at a time the record does not know may be the missing one moved: nothing is told until it is explained.
    [
      "one missing, one unknown row",
      [all[0]!, all[1]!, slot("2030-02-06T09:00:00Z", "2030-02-06T10:00:00Z")],
      [],
      [],
    ],
    [
      "one missing, beside a row explained by a move already told",
      [all[0]!, slot("2030-02-06T09:00:00Z", "2030-02-06T10:00:00Z")],
      ["2030-02-05T07:00:00.000Z"],
      ["2030-01-29T07:00:00.000Z"],
    ],
  ])("%s", (_, times, known, expected) => {
    const removed = removedOccurrences({ event: series, times, window, known: known.map(d) });
    expect(removed.map((at) => at.toISOString())).toEqual(expected);
  });
});

describe("differsFromRecord and recurrenceWith", () => {
  it("knows our own version of an occurrence and takes the host's change in", () => {
    const ours = { originalStart: d("2030-01-29T07:00:00Z"), moved: all[1]! };
    expect(differsFromRecord(series, ours)).toBe(false);
    const moved = {
      originalStart: d("2030-02-05T07:00:00Z"),
      moved: slot("2030-02-05T09:00:00Z", "2030-02-05T10:00:00Z"),
    };
    expect(differsFromRecord(series, moved)).toBe(true);
    expect(differsFromRecord(series, { originalStart: d("2030-02-12T07:00:00Z"), moved: null })).toBe(false);
    const taken = recurrenceWith(series.recurrence!, moved);
    expect(differsFromRecord({ ...series, recurrence: taken }, moved)).toBe(false);
    const removed = recurrenceWith(taken, { originalStart: d("2030-01-29T07:00:00Z"), moved: null });
    expect(removed.exdates).toEqual(["2030-02-12T07:00:00.000Z", "2030-01-29T07:00:00.000Z"]);
    expect(removed.overrides.map((o) => o.originalStart)).toEqual(["2030-02-05T07:00:00.000Z"]);
  });
});
