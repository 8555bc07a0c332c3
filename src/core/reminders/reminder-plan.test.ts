import { describe, expect, it } from "vitest";
import {
  desiredReminders,
  occurrencesToRemind,
  planReminders,
  type ReminderTarget,
  reminderDueAt,
  SERIES_REMINDER_HORIZON_DAYS,
  type StoredReminder,
} from "./reminder-plan.ts";
import { reminderSettingsSchema } from "./reminder-settings.ts";

const start = new Date("2030-03-10T10:00:00Z");
const hours = (n: number) => n * 3_600_000;
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

function wanted(startAt: Date, offsets = [1440, 60]): ReminderTarget[] {
  return desiredReminders({
    occurrences: [{ key: "", startAt }],
    recipients: [{ email: "Ada@Example.com", kind: "attendee" }],
    offsetsMinutes: offsets,
  });
}

function stored(targets: ReminderTarget[], state: StoredReminder["state"] = "pending"): StoredReminder[] {
  return targets.map((target, index) => ({
    ...target,
    id: `r${index}`,
    dueAt: reminderDueAt(target.startAt, target.offsetMinutes),
    state,
  }));
}

describe("reminderDueAt", () => {
  it.each([
    [1440, "2030-03-09T10:00:00.000Z"],
    [60, "2030-03-10T09:00:00.000Z"],
    [5, "2030-03-10T09:55:00.000Z"],
  ])("%i minutes before start", (offset, due) => {
    expect(reminderDueAt(start, offset).toISOString()).toBe(due);
  });
});

describe("desiredReminders", () => {
  it("one row per occurrence, recipient and offset; an address listed twice (any case) is one, .invalid none", () => {
    const rows = desiredReminders({
      occurrences: [
        { key: "a", startAt: start },
        { key: "b", startAt: at(start, hours(168)) },
      ],
      recipients: [
        { email: "host@example.com", kind: "host" },
        { email: "HOST@example.com", kind: "attendee" },
        { email: "ada@example.com", kind: "attendee" },
        { email: "erased@erased.invalid", kind: "attendee" },
      ],
      offsetsMinutes: [1440, 60],
    });
    expect(rows).toHaveLength(2 * 2 * 2);
    expect(new Set(rows.map((row) => row.recipient))).toEqual(
      new Set(["host@example.com", "ada@example.com"]),
    );
    // Attendee wins over host: the attendee's mail carries the manage links.
    expect(rows.find((row) => row.recipient === "host@example.com")?.recipientKind).toBe("attendee");
  });
});

describe("planReminders", () => {
  it("a new booking gets a pending row per offset still ahead; an offset already passed gets none", () => {
    const early = planReminders({ desired: wanted(start), existing: [], now: at(start, -hours(48)) });
    expect(early.insert.map((row) => row.offsetMinutes)).toEqual([1440, 60]);
    expect(early.insert[0]!.dueAt.toISOString()).toBe("2030-03-09T10:00:00.000Z");
    // Booked 30 minutes before start: neither the 24 h nor the 1 h reminder is sent.
    const late = planReminders({ desired: wanted(start), existing: [], now: at(start, -hours(0.5)) });
    expect(late.insert).toEqual([]);
    const between = planReminders({ desired: wanted(start), existing: [], now: at(start, -hours(3)) });
    expect(between.insert.map((row) => row.offsetMinutes)).toEqual([60]);
  });

  it("unchanged rows are left alone", () => {
    const rows = stored(wanted(start));
    expect(planReminders({ desired: wanted(start), existing: rows, now: at(start, -hours(48)) })).toEqual({
      insert: [],
      update: [],
    });
  });

  it("a reschedule moves pending rows; a sent one is sent again only when its new time lies ahead", () => {
    const now = at(start, -hours(2));
    const rows = stored(wanted(start));
    rows[0]!.state = "sent"; // the 24 h reminder went out
    const later = at(start, hours(72));
    const plan = planReminders({ desired: wanted(later), existing: rows, now });
    expect(plan.insert).toEqual([]);
    expect(plan.update).toEqual([
      { id: "r0", startAt: later, dueAt: reminderDueAt(later, 1440), state: "pending" },
      { id: "r1", startAt: later, dueAt: reminderDueAt(later, 60), state: "pending" },
    ]);
    // Moved 20 minutes ahead instead: the 1 h reminder's new time has passed (dropped), the sent one stays sent.
    const sooner = at(now, hours(0.34));
    const moved = planReminders({ desired: wanted(sooner), existing: rows, now });
    expect(moved.update.map((row) => [row.id, row.state])).toEqual([
      ["r0", "sent"],
      ["r1", "dropped"],
    ]);
  });

  it("a cancellation drops the pending rows and leaves sent ones", () => {
    const rows = stored(wanted(start));
    rows[0]!.state = "sent";
    const plan = planReminders({ desired: [], existing: rows, now: at(start, -hours(2)) });
    expect(plan.update).toEqual([{ id: "r1", startAt: start, dueAt: rows[1]!.dueAt, state: "dropped" }]);
  });

  it("a removed offset is dropped, an added one inserted, a dropped one wanted again in time revived", () => {
    const now = at(start, -hours(48));
    const rows = stored(wanted(start, [1440, 60]));
    rows[1]!.state = "dropped";
    const plan = planReminders({ desired: wanted(start, [60, 30]), existing: rows, now });
    expect(plan.insert.map((row) => row.offsetMinutes)).toEqual([30]);
    expect(plan.update.map((row) => [row.id, row.state])).toEqual([
      ["r1", "pending"],
      ["r0", "dropped"],
    ]);
  });

  it("mode add only inserts what is missing", () => {
    const rows = stored(wanted(start, [60]));
    const plan = planReminders({
      desired: wanted(at(start, hours(5)), [1440, 60]),
      existing: rows,
      now: at(start, -hours(48)),
      mode: "add",
    });
    expect(plan.update).toEqual([]);
    expect(plan.insert.map((row) => row.offsetMinutes)).toEqual([1440]);
  });
});

describe("occurrencesToRemind", () => {
  it("keeps the occurrences after now within the horizon", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const day = 86_400_000;
    const occurrences = [-1, 0.5, SERIES_REMINDER_HORIZON_DAYS - 1, SERIES_REMINDER_HORIZON_DAYS + 1].map(
      (days) => ({ start: at(now, days * day) }),
    );
    expect(occurrencesToRemind(occurrences, now)).toEqual([occurrences[1], occurrences[2]]);
  });
});

describe("reminderSettingsSchema", () => {
  it.each([
    [{ offsetsMinutes: [4] }, "at least 5 minutes"],
    [{ offsetsMinutes: [43_201] }, "at most 43200 minutes"],
    [{ offsetsMinutes: [60, 60] }, "distinct"],
    [{ offsetsMinutes: [10, 20, 30, 40, 50] }, "at most 4 reminder offsets"],
    [{ offsetsMinutes: [1.5] }, "whole minutes"],
  ])("refuses %j", (input, message) => {
    const parsed = reminderSettingsSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain(message);
  });

  it("accepts none to four distinct offsets", () => {
    expect(reminderSettingsSchema.parse({ offsetsMinutes: [] })).toEqual({
      offsetsMinutes: [],
      notifyHost: false,
    });
    expect(reminderSettingsSchema.parse({ offsetsMinutes: [5, 43_200], notifyHost: true }).notifyHost).toBe(
      true,
    );
  });
});
