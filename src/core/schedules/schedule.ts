import { z } from "zod";
import { isKnownTimeZone } from "../time/time-zone.ts";

/**
 * A host's working schedule: weekly hours in an IANA zone, date overrides and out-of-office ranges. These rules
 * are the same for the HTTP API and the availability engine input, so the shape lives in the core.
 *
 * Wall-clock times are "HH:MM" (24:00 allowed as an end). An interval whose end is earlier than its start runs past
 * midnight into the next day (["22:00", "02:00"]); an interval of zero length is an error.
 */
export const weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof weekdays)[number];

const wallTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "must be a time HH:MM between 00:00 and 24:00");

export function minutesOfWallTime(value: string): number {
  return Number(value.slice(0, 2)) * 60 + Number(value.slice(3, 5));
}

/** [start, end) in minutes after the day's midnight; end may exceed 1440 for intervals past midnight. */
export function intervalMinutes([start, end]: readonly [string, string]): [number, number] {
  const startMinutes = minutesOfWallTime(start);
  let endMinutes = minutesOfWallTime(end);
  if (endMinutes <= startMinutes) endMinutes += 1440;
  return [startMinutes, endMinutes];
}

export const wallIntervalSchema = z
  .tuple([wallTime, wallTime])
  .refine(([start, end]) => start !== end && start !== "24:00", {
    message:
      "an interval needs a start before its end (equal times are empty; 24:00 can only end an interval)",
  });

function addOverlapIssues(intervals: Array<[string, string]>, ctx: z.RefinementCtx, label: string): void {
  const ranges = intervals.map((interval, index) => ({ index, range: intervalMinutes(interval) }));
  ranges.sort((a, b) => a.range[0] - b.range[0]);
  for (let i = 1; i < ranges.length; i++) {
    const previous = ranges[i - 1]!;
    const current = ranges[i]!;
    if (current.range[0] < previous.range[1]) {
      ctx.addIssue({
        code: "custom",
        path: [current.index],
        message: `${label}: interval ${intervals[current.index]!.join("-")} overlaps ${intervals[previous.index]!.join("-")}`,
      });
    }
  }
}

const dayIntervalsSchema = (label: string) =>
  z.array(wallIntervalSchema).superRefine((intervals, ctx) => addOverlapIssues(intervals, ctx, label));

export const weeklyHoursSchema = z
  .object(
    Object.fromEntries(weekdays.map((day) => [day, dayIntervalsSchema(day).optional()])) as Record<
      Weekday,
      z.ZodOptional<ReturnType<typeof dayIntervalsSchema>>
    >,
  )
  .strict();

export const isoDateSchema = z.iso.date({ message: "must be a calendar date YYYY-MM-DD" });
export const instantSchema = z.iso.datetime({
  offset: true,
  message: "must be an ISO 8601 date-time with a zone",
});

export const timeZoneSchema = z.string().superRefine((value, ctx) => {
  if (!isKnownTimeZone(value)) {
    ctx.addIssue({
      code: "custom",
      message: `unknown time zone "${value}" (use an IANA name such as Europe/Berlin)`,
    });
  }
});

export const dateOverrideSchema = z.object({
  date: isoDateSchema,
  // An empty list is a day off.
  intervals: dayIntervalsSchema("override"),
});

export const outOfOfficeSchema = z
  .object({ start: instantSchema, end: instantSchema, reason: z.string().max(500).optional() })
  .refine((range) => Date.parse(range.end) > Date.parse(range.start), {
    message: "end must be after start",
    path: ["end"],
  });

export const scheduleRulesSchema = z
  .object({
    timeZone: timeZoneSchema,
    weekly: weeklyHoursSchema,
    overrides: z.array(dateOverrideSchema).default([]),
    outOfOffice: z.array(outOfOfficeSchema).default([]),
  })
  .superRefine((schedule, ctx) => {
    const seen = new Set<string>();
    schedule.overrides.forEach((override, index) => {
      if (seen.has(override.date)) {
        ctx.addIssue({
          code: "custom",
          path: ["overrides", index, "date"],
          message: `duplicate override for ${override.date}`,
        });
      }
      seen.add(override.date);
    });
  });

export type ScheduleRules = z.infer<typeof scheduleRulesSchema>;
export type WeeklyHours = z.infer<typeof weeklyHoursSchema>;
