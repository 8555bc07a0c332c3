import { z } from "zod";

/** Reminder offsets in minutes before start, and whether the hosts are reminded too. */
export interface ReminderSettings {
  offsetsMinutes: number[];
  notifyHost: boolean;
}

/** 24 hours and 1 hour before start, attendees only (issue 18). */
export const DEFAULT_REMINDERS: ReminderSettings = { offsetsMinutes: [1440, 60], notifyHost: false };

/** 5 minutes to 30 days: earlier than 30 days the rolling horizon of a series would not reach (reminder-plan.ts). */
export const MIN_OFFSET_MINUTES = 5;
export const MAX_OFFSET_MINUTES = 43_200;
export const MAX_OFFSETS = 4;

export const reminderSettingsSchema = z
  .object({
    offsetsMinutes: z
      .array(
        z
          .number()
          .int("reminder offsets are whole minutes")
          .min(MIN_OFFSET_MINUTES, `a reminder offset is at least ${MIN_OFFSET_MINUTES} minutes`)
          .max(MAX_OFFSET_MINUTES, `a reminder offset is at most ${MAX_OFFSET_MINUTES} minutes (30 days)`),
      )
      .max(MAX_OFFSETS, `at most ${MAX_OFFSETS} reminder offsets`)
      .refine((list) => new Set(list).size === list.length, "reminder offsets must be distinct")
      .meta({ description: "Minutes before start; [] sends none" }),
    notifyHost: z.boolean().default(false).meta({ description: "Remind the hosts too" }),
  })
  .strict()
  .meta({ id: "ReminderSettings" });

/** The languages of reminder mail. */
export const MAIL_LOCALES = ["en", "de", "fr"] as const;
export type MailLocale = (typeof MAIL_LOCALES)[number];
export const mailLocaleSchema = z.enum(MAIL_LOCALES, { message: "locale must be one of en, de, fr" });
