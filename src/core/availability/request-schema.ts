import { z } from "zod";
import {
  addDuplicateOverrideIssues,
  dateOverrideSchema,
  instantSchema,
  isoDateSchema,
  timeZoneSchema,
  weeklyHoursSchema,
} from "../schedules/schedule.ts";
import { type Instant, parseInstant } from "./instant-text.ts";

/**
 * The engine's public JSON input (documented in docs/availability-input.md). Published shape: add
 * optional fields, never rename. Optional fields stay optional in the parsed type (no zod defaults) so
 * code can build requests directly; the engine applies the defaults in `engine-rules.ts`.
 */

const minutesSchema = z.number().int().nonnegative();
const positiveMinutesSchema = z.number().int().positive();

export const busyStatusSchema = z.enum(["busy", "tentative", "free", "out_of_office"]);
export type BusyStatus = z.infer<typeof busyStatusSchema>;

/** Times of busy entries, absences and bookings: ISO 8601 text, or epoch milliseconds. */
const timeSchema = z.union([instantSchema, z.number().int()], {
  error: "must be an ISO 8601 date-time with a zone (such as 2030-03-01T09:00:00Z) or epoch milliseconds",
});

function endAfterStart(value: { start: Instant; end: Instant }): boolean {
  return parseInstant(value.end) > parseInstant(value.start);
}
const endAfterStartIssue = { path: ["end"], message: "end must be after start" };

const busySchema = z
  .object({
    start: timeSchema,
    end: timeSchema,
    source: z.string(),
    status: busyStatusSchema.optional(),
  })
  .refine(endAfterStart, endAfterStartIssue);

const outOfOfficeSchema = z
  .object({ start: timeSchema, end: timeSchema, note: z.string().optional() })
  .refine(endAfterStart, endAfterStartIssue);

/**
 * Time the host can't be offered for a reason other than their own calendar (a connected calendar that is stale or
 * not synced that far ahead: fail closed). Blocks whatever the event type's blocking statuses say.
 */
const unavailableSchema = z
  .object({ start: timeSchema, end: timeSchema, reason: z.string() })
  .refine(endAfterStart, endAfterStartIssue);

/** Existing bookings: buffers apply around them and booking limits count them. */
const bookingSchema = z
  .object({
    id: z.string().min(1),
    start: timeSchema,
    end: timeSchema,
    bufferBeforeMinutes: minutesSchema.optional(),
    bufferAfterMinutes: minutesSchema.optional(),
    /** A visitor's hold on the slot (not a booking yet): it blocks like one and is explained as `held`. */
    held: z.boolean().optional(),
  })
  .refine(endAfterStart, endAfterStartIssue);

const hostSchema = z
  .object({
    id: z.string().min(1),
    timeZone: timeZoneSchema,
    weekly: weeklyHoursSchema,
    overrides: z.array(dateOverrideSchema).optional(),
    outOfOffice: z.array(outOfOfficeSchema).optional(),
    unavailable: z.array(unavailableSchema).optional(),
    busy: z.array(busySchema).optional(),
    bookings: z.array(bookingSchema).optional(),
  })
  .superRefine((host, ctx) => addDuplicateOverrideIssues(host.overrides ?? [], ctx));

const limitSchema = z
  .object({ count: positiveMinutesSchema.optional(), minutes: positiveMinutesSchema.optional() })
  .strict();

const horizonSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("rolling"), days: positiveMinutesSchema }),
  z
    .object({ type: z.literal("fixed"), startDate: isoDateSchema, endDate: isoDateSchema })
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
