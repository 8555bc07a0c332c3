import { type BookingEmailSummary, formatWhen, type Row, renderHtml, renderText } from "./booking-email.ts";
import type { MailAddress, MailMessage } from "./mail-message.ts";

export type ReminderLocale = "en" | "de" | "fr";

/** What a reminder says about the appointment: a booking mail's summary without a cancellation reason. */
export type ReminderSummary = Omit<BookingEmailSummary, "cancelReason">;

const TEXT: Record<
  ReminderLocale,
  {
    intl: string;
    subject: string;
    lead: string;
    when: string;
    where: string;
    join: string;
    host: string;
    reschedule: string;
    cancel: string;
  }
> = {
  en: {
    intl: "en-GB",
    subject: "Reminder",
    lead: "A reminder of your upcoming appointment.",
    when: "When",
    where: "Where",
    join: "Join",
    host: "Host",
    reschedule: "Reschedule",
    cancel: "Cancel",
  },
  de: {
    intl: "de-DE",
    subject: "Erinnerung",
    lead: "Eine Erinnerung an Ihren bevorstehenden Termin.",
    when: "Wann",
    where: "Wo",
    join: "Teilnehmen",
    host: "Gastgeber",
    reschedule: "Verschieben",
    cancel: "Absagen",
  },
  fr: {
    intl: "fr-FR",
    subject: "Rappel",
    lead: "Un rappel de votre prochain rendez-vous.",
    when: "Quand",
    where: "Où",
    join: "Rejoindre",
    host: "Hôte",
    reschedule: "Reprogrammer",
    cancel: "Annuler",
  },
};

/** A reminder in the recipient's language and zone, with the meeting link and (for attendees) the manage links. */
export function composeReminderEmail(params: {
  summary: ReminderSummary;
  locale: ReminderLocale;
  from: MailAddress;
  to: MailAddress[];
}): MailMessage {
  const { summary } = params;
  const text = TEXT[params.locale];
  const when = formatWhen(summary, text.intl);
  const rows: Row[] = [{ label: text.when, value: `${when} (${summary.timeZone})` }];
  if (summary.location && summary.location !== summary.meetingUrl)
    rows.push({ label: text.where, value: summary.location });
  if (summary.meetingUrl)
    rows.push({ label: text.join, value: summary.meetingUrl, href: summary.meetingUrl });
  if (summary.hostName) rows.push({ label: text.host, value: summary.hostName });
  const links: Row[] = [
    ...(summary.rescheduleUrl
      ? [{ label: text.reschedule, value: summary.rescheduleUrl, href: summary.rescheduleUrl }]
      : []),
    ...(summary.cancelUrl ? [{ label: text.cancel, value: summary.cancelUrl, href: summary.cancelUrl }] : []),
  ];
  return {
    from: params.from,
    to: params.to,
    subject: `${text.subject}: ${summary.title} @ ${when}`,
    text: renderText(text.lead, summary, rows, links),
    html: renderHtml(text.lead, summary, rows, links),
  };
}

/** A stored locale as a reminder language: anything else reads English. */
export function reminderLocaleOf(value: string | null | undefined): ReminderLocale {
  return value === "de" || value === "fr" ? value : "en";
}
