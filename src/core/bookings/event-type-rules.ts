import { z } from "zod";

/**
 * An event type's booking rules as the tenant configures them. They map one-to-one onto the availability engine's
 * `eventType` input (docs/availability-input.md), minus duration and mode, which live on the event type itself.
 */
const minutes = z
  .number()
  .int()
  .min(0)
  .max(7 * 24 * 60);
const positiveMinutes = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 60);
const limit = z
  .object({ count: z.number().int().min(1).optional(), minutes: positiveMinutes.optional() })
  .strict();

export const eventTypeRulesSchema = z
  .object({
    stepMinutes: positiveMinutes.optional(),
    bufferBeforeMinutes: minutes.default(0),
    bufferAfterMinutes: minutes.default(0),
    minimumNoticeMinutes: minutes.default(0),
    horizon: z
      .discriminatedUnion("type", [
        z.object({ type: z.literal("rolling"), days: z.number().int().min(1).max(3650) }),
        z.object({ type: z.literal("fixed"), startDate: z.iso.date(), endDate: z.iso.date() }),
      ])
      .optional(),
    limits: z.object({ perDay: limit.optional(), perWeek: limit.optional() }).strict().optional(),
    startAlignmentMinutes: z.number().int().min(1).max(1440).optional(),
    blockingStatuses: z.array(z.enum(["busy", "tentative", "free", "out_of_office"])).optional(),
  })
  .strict();

export type EventTypeRules = z.infer<typeof eventTypeRulesSchema>;

/** Whether booking depends on a host's other bookings of the day or week (per-day / per-week limits). */
export function hasBookingLimits(rules: EventTypeRules): boolean {
  return rules.limits?.perDay !== undefined || rules.limits?.perWeek !== undefined;
}

export const locationSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("address"), value: z.string().min(1).max(500) }),
  z.object({ kind: z.literal("phone"), value: z.string().min(3).max(50) }),
  z.object({
    kind: z.literal("link"),
    value: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }),
  }),
  // The meeting link is created with the host's calendar event (Teams / Meet); a fixed link may be given meanwhile.
  z.object({ kind: z.literal("teams"), value: z.string().max(500).optional() }),
  z.object({ kind: z.literal("meet"), value: z.string().max(500).optional() }),
]);
export type EventLocation = z.infer<typeof locationSchema>;

export const bookingQuestionSchema = z
  .object({
    id: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/, "question id: letters, digits, _ (max 40)"),
    label: z.string().min(1).max(200),
    type: z.enum(["text", "textarea", "phone", "select", "checkbox", "number"]),
    required: z.boolean().default(false),
    options: z.array(z.string().min(1).max(100)).max(50).optional(),
  })
  .strict()
  .refine((question) => question.type !== "select" || (question.options?.length ?? 0) > 0, {
    message: "a select question needs options",
    path: ["options"],
  });
export type BookingQuestion = z.infer<typeof bookingQuestionSchema>;

/** Name and e-mail are always asked; these ids are reserved for them. */
export const reservedQuestionIds = new Set(["name", "email"]);

/** Validates answers against the event type's questions; returns problems keyed by question id. */
export function checkAnswers(
  questions: BookingQuestion[],
  answers: Record<string, unknown>,
): { ok: true; value: Record<string, string | number | boolean> } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const value: Record<string, string | number | boolean> = {};
  const known = new Set(questions.map((question) => question.id));
  for (const key of Object.keys(answers))
    if (!known.has(key)) problems.push(`answers.${key}: not a question of this event type`);
  for (const question of questions) {
    const answer = answers[question.id];
    if (answer === undefined || answer === "" || answer === null) {
      if (question.required) problems.push(`answers.${question.id}: required`);
      continue;
    }
    switch (question.type) {
      case "checkbox":
        if (typeof answer !== "boolean") problems.push(`answers.${question.id}: must be true or false`);
        else value[question.id] = answer;
        break;
      case "number":
        if (typeof answer !== "number" || !Number.isFinite(answer))
          problems.push(`answers.${question.id}: must be a number`);
        else value[question.id] = answer;
        break;
      case "select":
        if (typeof answer !== "string" || !question.options?.includes(answer)) {
          problems.push(`answers.${question.id}: must be one of ${question.options?.join(", ")}`);
        } else value[question.id] = answer;
        break;
      default:
        if (typeof answer !== "string" || answer.length > 5000)
          problems.push(`answers.${question.id}: must be text (max 5000)`);
        else value[question.id] = answer;
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}
