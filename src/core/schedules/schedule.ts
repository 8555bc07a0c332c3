import { z } from "zod";
import { minutesFromClock, WEEKDAY_KEYS } from "../availability/wall-time.ts";
import { isKnownTimeZone } from "../time/time-zone.ts";

/**
 * A host's working schedule: weekly hours in an IANA zone, date overrides and out-of-office ranges. The HTTP API
 * and the availability engine's input both validate schedules with these schemas, so a schedule the API accepts
 * is one the engine accepts, with the same messages.
 *
 * Wall-clock times are "HH:MM" (24:00 allowed as an end). An interval whose end is earlier than its start runs past
 * midnight into the next day (["22:00", "02:00"]); an interval of zero length is an error.
 */
export const weekdays = WEEKDAY_KEYS;
export type Weekday = (typeof weekdays)[number];

export const wallTimeSchema = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, "must be a wall time HH:MM between 00:00 and 24:00");

/** [start, end) in minutes after the day's midnight; end may exceed 1440 for intervals past midnight. */
export function intervalMinutes([start, end]: readonly [string, string]): [number, number] {
  const startMinutes = minutesFromClock(start);
  let endMinutes = minutesFromClock(end);
  if (endMinutes <= startMinutes) endMinutes += 1440;
  return [startMinutes, endMinutes];
}

export const wallIntervalSchema = z
  .tuple([wallTimeSchema, wallTimeSchema])
  .superRefine(([start, end], ctx) => {
    if (start === "24:00")
      ctx.addIssue({ code: "custom", path: [0], message: "an interval cannot start at 24:00" });
    if (start === end) {
      ctx.addIssue({
        code: "custom",
        path: [1],
        message: "end equals start: the interval is empty (use 00:00-24:00 for a whole day)",
      });
    }
  });
export type WallInterval = z.infer<typeof wallIntervalSchema>;

interface Span {
  start: number;
  end: number;
  path: PropertyKey[];
  label: string;
}

/** Each span that starts inside an earlier one, with the span it runs into. */
function overlaps(spans: Span[]): Array<{ span: Span; other: Span }> {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const found: Array<{ span: Span; other: Span }> = [];
  let furthest: Span | undefined;
  for (const span of sorted) {
    if (furthest && span.start < furthest.end) found.push({ span, other: furthest });
    if (!furthest || span.end > furthest.end) furthest = span;
  }
  return found;
}

function addOverlapIssues(spans: Span[], ctx: z.RefinementCtx): void {
  const reported = new Set<string>();
  for (const { span, other } of overlaps(spans)) {
    const key = span.path.join(".");
    if (reported.has(key) || key === other.path.join(".")) continue;
    reported.add(key);
    ctx.addIssue({ code: "custom", path: span.path, message: `${span.label} overlaps ${other.label}` });
  }
}

export const weeklyHoursSchema = z
  .object(
    Object.fromEntries(weekdays.map((day) => [day, z.array(wallIntervalSchema).optional()])) as Record<
      Weekday,
      z.ZodOptional<z.ZodArray<typeof wallIntervalSchema>>
    >,
  )
  .strict()
  .superRefine((weekly, ctx) => {
    // Minutes of the week, and the same a week later, so that a night running past midnight is compared with the
    // next morning, Sunday night with Monday included.
    const spans: Span[] = [];
    weekdays.forEach((day, dayIndex) => {
      (weekly[day] ?? []).forEach((interval, index) => {
        const [start, end] = intervalMinutes(interval);
        const label = `${day} ${interval.join("-")}`;
        for (const week of [0, 7]) {
          const offset = (dayIndex + week) * 1440;
          spans.push({ start: offset + start, end: offset + end, path: [day, index], label });
        }
      });
    });
    addOverlapIssues(spans, ctx);
  });
export type WeeklyHours = z.infer<typeof weeklyHoursSchema>;

export const isoDateSchema = z.iso.date({ message: "must be a calendar date YYYY-MM-DD" });
export const instantSchema = z.iso.datetime({
  offset: true,
  message: "must be an ISO 8601 date-time with a zone, such as 2030-03-01T09:00:00Z",
});

export const timeZoneSchema = z.string().superRefine((value, ctx) => {
  if (!isKnownTimeZone(value)) {
    ctx.addIssue({
      code: "custom",
      message: `unknown time zone "${value}" (use an IANA name such as Europe/Berlin)`,
    });
  }
});

export const dateOverrideSchema = z
  .object({
    date: isoDateSchema,
    // An empty list is a day off.
    intervals: z.array(wallIntervalSchema),
  })
  .superRefine((override, ctx) => {
    addOverlapIssues(
      override.intervals.map((interval, index) => {
        const [start, end] = intervalMinutes(interval);
        return { start, end, path: ["intervals", index], label: interval.join("-") };
      }),
      ctx,
    );
  });

/** Adds "duplicate override for <date>" for each repeated date. */
export function addDuplicateOverrideIssues(
  overrides: ReadonlyArray<{ date: string }>,
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  overrides.forEach((override, index) => {
    if (seen.has(override.date)) {
      ctx.addIssue({
        code: "custom",
        path: ["overrides", index, "date"],
        message: `duplicate override for ${override.date}`,
      });
    }
    seen.add(override.date);
  });
}

export function endAfterStart(value: { start: string; end: string }): boolean {
  return Date.parse(value.end) > Date.parse(value.start);
}
export const endAfterStartIssue = { path: ["end"], message: "end must be after start" };

export const outOfOfficeSchema = z
  .object({ start: instantSchema, end: instantSchema, reason: z.string().max(500).optional() })
  .refine(endAfterStart, endAfterStartIssue);

export const scheduleRulesSchema = z
  .object({
    timeZone: timeZoneSchema,
    weekly: weeklyHoursSchema,
    overrides: z.array(dateOverrideSchema).default([]),
    outOfOffice: z.array(outOfOfficeSchema).default([]),
  })
  .superRefine((schedule, ctx) => addDuplicateOverrideIssues(schedule.overrides, ctx));

export type ScheduleRules = z.infer<typeof scheduleRulesSchema>;
