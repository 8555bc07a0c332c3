import { z } from "zod";
import { isKnownTimeZone } from "../time/time-zone.ts";
import { parseInstant } from "./instant-text.ts";
import { minutesFromClock, WEEKDAY_KEYS } from "./wall-time.ts";

/**
 * The engine's public JSON input (documented in docs/availability-input.md). Published shape: add
 * optional fields, never rename. Optional fields stay optional in the parsed type (no zod defaults) so
 * code can build requests directly; the engine applies the defaults in `engine-rules.ts`.
 */

const timeZoneSchema = z.string().refine(isKnownTimeZone, { message: "unknown IANA time zone" });
const instantSchema = z.iso.datetime({
  offset: true,
  message: "expected an ISO 8601 instant such as 2030-03-01T09:00:00Z",
});
const dateSchema = z.iso.date({ message: "expected a calendar date YYYY-MM-DD" });
const minutesSchema = z.number().int().nonnegative();
const positiveMinutesSchema = z.number().int().positive();
const clockSchema = z
  .string()
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { message: "expected a wall time HH:MM (00:00 to 24:00)" });

/** An end at or before the start runs past midnight into the next day (["22:00", "02:00"]). */
const wallIntervalSchema = z.tuple([clockSchema, clockSchema]).superRefine(([start, end], ctx) => {
  if (start === "24:00")
    ctx.addIssue({ code: "custom", path: [0], message: "an interval cannot start at 24:00" });
  if (start === end) {
    ctx.addIssue({
      code: "custom",
      path: [1],
      message: "end equals start (use 00:00-24:00 for a whole day)",
    });
  }
});
export type WallInterval = z.infer<typeof wallIntervalSchema>;

/** Minutes from the start of the day, end possibly past 1440 when the interval runs past midnight. */
export function wallIntervalMinutes([start, end]: WallInterval): [number, number] {
  const startMinutes = minutesFromClock(start);
  let endMinutes = minutesFromClock(end);
  if (endMinutes <= startMinutes) endMinutes += 1440;
  return [startMinutes, endMinutes];
}

function overlappingPairs(
  spans: Array<{ start: number; end: number; path: PropertyKey[] }>,
): PropertyKey[][] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const paths: PropertyKey[][] = [];
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    if (current.start < previous.end) paths.push(current.path);
  }
  return paths;
}

const dayHoursSchema = z.array(wallIntervalSchema).optional();
const weeklySchema = z
  .object({
    mon: dayHoursSchema,
    tue: dayHoursSchema,
    wed: dayHoursSchema,
    thu: dayHoursSchema,
    fri: dayHoursSchema,
    sat: dayHoursSchema,
    sun: dayHoursSchema,
  })
  .strict()
  .superRefine((weekly, ctx) => {
    // Minutes of the week, and the same shifted by one week so that Sunday night running into Monday
    // morning is compared with Monday.
    const spans: Array<{ start: number; end: number; path: PropertyKey[] }> = [];
    WEEKDAY_KEYS.forEach((key, dayIndex) => {
      (weekly[key] ?? []).forEach((interval, index) => {
        const [start, end] = wallIntervalMinutes(interval);
        const offset = dayIndex * 1440;
        spans.push({ start: offset + start, end: offset + end, path: [key, index] });
        spans.push({ start: offset + start + 7 * 1440, end: offset + end + 7 * 1440, path: [key, index] });
      });
    });
    for (const path of overlappingPairs(spans)) {
      ctx.addIssue({ code: "custom", path, message: "overlaps another weekly interval" });
    }
  });
export type WeeklyHours = z.infer<typeof weeklySchema>;

const overrideSchema = z
  .object({ date: dateSchema, intervals: z.array(wallIntervalSchema) })
  .superRefine((override, ctx) => {
    const spans = override.intervals.map((interval, index) => {
      const [start, end] = wallIntervalMinutes(interval);
      return { start, end, path: ["intervals", index] as PropertyKey[] };
    });
    for (const path of overlappingPairs(spans)) {
      ctx.addIssue({ code: "custom", path, message: "overlaps another interval of this override" });
    }
  });

function endAfterStart(value: { start: string; end: string }): boolean {
  return parseInstant(value.end) > parseInstant(value.start);
}
const endAfterStartIssue = { path: ["end"], message: "end must be after start" };

export const busyStatusSchema = z.enum(["busy", "tentative", "free", "out_of_office"]);
export type BusyStatus = z.infer<typeof busyStatusSchema>;

const busySchema = z
  .object({
    start: instantSchema,
    end: instantSchema,
    source: z.string(),
    status: busyStatusSchema.optional(),
  })
  .refine(endAfterStart, endAfterStartIssue);

const outOfOfficeSchema = z
  .object({ start: instantSchema, end: instantSchema, note: z.string().optional() })
  .refine(endAfterStart, endAfterStartIssue);

/** Existing bookings: buffers apply around them and booking limits count them. */
const bookingSchema = z
  .object({
    id: z.string().min(1),
    start: instantSchema,
    end: instantSchema,
    bufferBeforeMinutes: minutesSchema.optional(),
    bufferAfterMinutes: minutesSchema.optional(),
  })
  .refine(endAfterStart, endAfterStartIssue);

const hostSchema = z
  .object({
    id: z.string().min(1),
    timeZone: timeZoneSchema,
    weekly: weeklySchema,
    overrides: z.array(overrideSchema).optional(),
    outOfOffice: z.array(outOfOfficeSchema).optional(),
    busy: z.array(busySchema).optional(),
    bookings: z.array(bookingSchema).optional(),
  })
  .superRefine((host, ctx) => {
    const seen = new Set<string>();
    (host.overrides ?? []).forEach((override, index) => {
      if (seen.has(override.date)) {
        ctx.addIssue({
          code: "custom",
          path: ["overrides", index, "date"],
          message: "duplicate override date",
        });
      }
      seen.add(override.date);
    });
  });

const limitSchema = z
  .object({ count: positiveMinutesSchema.optional(), minutes: positiveMinutesSchema.optional() })
  .strict();

const horizonSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("rolling"), days: positiveMinutesSchema }),
  z
    .object({ type: z.literal("fixed"), startDate: dateSchema, endDate: dateSchema })
    .refine((horizon) => horizon.endDate >= horizon.startDate, {
      path: ["endDate"],
      message: "endDate must not be before startDate",
    }),
]);

export const schedulingModeSchema = z.enum(["single", "collective", "round-robin"]);
export type SchedulingMode = z.infer<typeof schedulingModeSchema>;

const eventTypeSchema = z
  .object({
    durationMinutes: positiveMinutesSchema,
    /** Default: durationMinutes. */
    stepMinutes: positiveMinutesSchema.optional(),
    bufferBeforeMinutes: minutesSchema.optional(),
    bufferAfterMinutes: minutesSchema.optional(),
    minimumNoticeMinutes: minutesSchema.optional(),
    mode: schedulingModeSchema,
    horizon: horizonSchema.optional(),
    limits: z.object({ perDay: limitSchema.optional(), perWeek: limitSchema.optional() }).strict().optional(),
    /** Slot starts fall on multiples of this many minutes of a wall clock (e.g. 15: :00 :15 ...). */
    startAlignmentMinutes: positiveMinutesSchema.max(1440).optional(),
    /**
     * Whose wall clock the alignment follows; default each host's own. Set it (e.g. "UTC" or the invitee's
     * zone) to put hosts in zones with half-hour offsets on one grid, so collective slots can exist.
     */
    startAlignmentTimeZone: timeZoneSchema.optional(),
    /** Default: busy, out_of_office, tentative. */
    blockingStatuses: z.array(busyStatusSchema).optional(),
  })
  .superRefine((eventType, ctx) => {
    const alignment = eventType.startAlignmentMinutes;
    if (alignment === undefined) return;
    if (1440 % alignment !== 0) {
      ctx.addIssue({ code: "custom", path: ["startAlignmentMinutes"], message: "must divide 1440 (a day)" });
    }
    if ((eventType.stepMinutes ?? eventType.durationMinutes) % alignment !== 0) {
      ctx.addIssue({
        code: "custom",
        path: ["stepMinutes"],
        message: "the step must be a multiple of startAlignmentMinutes",
      });
    }
  });

/** Longest range one request may ask for: bounds the work and the output size. */
export const MAX_RANGE_DAYS = 366;

export const availabilityRequestSchema = z
  .object({
    range: z.object({ from: instantSchema, to: instantSchema }),
    now: instantSchema,
    inviteeTimeZone: timeZoneSchema,
    eventType: eventTypeSchema,
    hosts: z.array(hostSchema).min(1),
  })
  .superRefine((request, ctx) => {
    const from = parseInstant(request.range.from);
    const to = parseInstant(request.range.to);
    if (to <= from)
      ctx.addIssue({ code: "custom", path: ["range", "to"], message: "must be after range.from" });
    if (to - from > MAX_RANGE_DAYS * 86_400_000) {
      ctx.addIssue({
        code: "custom",
        path: ["range", "to"],
        message: `range longer than ${MAX_RANGE_DAYS} days`,
      });
    }
    if (request.eventType.mode === "single" && request.hosts.length !== 1) {
      ctx.addIssue({ code: "custom", path: ["hosts"], message: "mode single needs exactly one host" });
    }
    const ids = new Set<string>();
    request.hosts.forEach((host, index) => {
      if (ids.has(host.id))
        ctx.addIssue({ code: "custom", path: ["hosts", index, "id"], message: "duplicate host id" });
      ids.add(host.id);
    });
  });

export type AvailabilityRequest = z.output<typeof availabilityRequestSchema>;
export type AvailabilityHost = AvailabilityRequest["hosts"][number];
export type AvailabilityEventType = AvailabilityRequest["eventType"];

export type ParseResult = { ok: true; value: AvailabilityRequest } | { ok: false; error: string };

/** Validate untrusted input; the error names the field, e.g. `hosts.0.busy.2.end: end must be after start`. */
export function parseAvailabilityRequest(input: unknown): ParseResult {
  const result = availabilityRequestSchema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  if (issue === undefined) return { ok: false, error: "invalid availability request" };
  const path = issue.path.map(String).join(".");
  return { ok: false, error: path === "" ? issue.message : `${path}: ${issue.message}` };
}
