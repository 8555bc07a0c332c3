import { escapeHtml, isSafeHref } from "./escape-html.ts";
import type { MailAddress, MailMessage } from "./mail-message.ts";

export type BookingEmailKind = "invitation" | "update" | "cancellation";

/** What the recipient needs to read about the booking; times are UTC ISO instants. */
export interface BookingEmailSummary {
  title: string;
  start: string;
  end: string;
  /** The recipient's zone: an attendee reads times in their own zone, a host in the host's. */
  timeZone: string;
  hostName?: string;
  location?: string;
  meetingUrl?: string;
  description?: string;
  cancelReason?: string;
  /** Signed self-service links for attendees (no account needed). */
  rescheduleUrl?: string;
  cancelUrl?: string;
}

const HEADINGS: Record<BookingEmailKind, { subject: string; lead: string }> = {
  invitation: { subject: "Invitation", lead: "You have a new booking." },
  update: { subject: "Updated invitation", lead: "This booking has changed." },
  cancellation: { subject: "Cancelled", lead: "This booking has been cancelled." },
};

/**
 * An invitation, update or cancellation with plain-text and HTML bodies and the booking's .ics.
 * The .ics travels as the text/calendar alternative with its iTIP method, which is what makes
 * Outlook, Gmail and Apple Mail show accept/decline (or "remove from calendar" for CANCEL).
 */
export function composeBookingEmail(params: {
  kind: BookingEmailKind;
  booking: BookingEmailSummary;
  ics: string;
  icsMethod: "REQUEST" | "CANCEL";
  icsFileName?: string;
  from: MailAddress;
  to: MailAddress[];
  replyTo?: MailAddress;
  locale?: string;
}): MailMessage {
  const { kind, booking } = params;
  if ((kind === "cancellation") !== (params.icsMethod === "CANCEL")) {
    throw new RangeError(`a ${kind} email carries METHOD:${kind === "cancellation" ? "CANCEL" : "REQUEST"}`);
  }
  const when = formatWhen(booking, params.locale ?? "en-GB");
  const rows = detailRows(booking, when);
  const links = kind === "cancellation" ? [] : manageLinks(booking);
  return {
    from: params.from,
    to: params.to,
    ...(params.replyTo ? { replyTo: params.replyTo } : {}),
    subject: `${HEADINGS[kind].subject}: ${booking.title} @ ${when}`,
    text: renderText(HEADINGS[kind].lead, booking, rows, links),
    html: renderHtml(HEADINGS[kind].lead, booking, rows, links),
    calendar: { method: params.icsMethod, content: params.ics, fileName: params.icsFileName ?? "invite.ics" },
  };
}

export type Row = { label: string; value: string; href?: string };

export function formatWhen(
  booking: Pick<BookingEmailSummary, "start" | "end" | "timeZone">,
  locale: string,
): string {
  const format = new Intl.DateTimeFormat(locale, {
    timeZone: booking.timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  });
  // ICU puts thin and narrow no-break spaces in ranges; plain spaces survive every mail client.
  return format.formatRange(new Date(booking.start), new Date(booking.end)).replace(/[\u2009\u202f]/g, " ");
}

function detailRows(booking: BookingEmailSummary, when: string): Row[] {
  const rows: Row[] = [{ label: "When", value: `${when} (${booking.timeZone})` }];
  if (booking.location && booking.location !== booking.meetingUrl)
    rows.push({ label: "Where", value: booking.location });
  if (booking.meetingUrl) rows.push({ label: "Join", value: booking.meetingUrl, href: booking.meetingUrl });
  if (booking.hostName) rows.push({ label: "Host", value: booking.hostName });
  if (booking.cancelReason) rows.push({ label: "Reason", value: booking.cancelReason });
  return rows;
}

function manageLinks(booking: BookingEmailSummary): Row[] {
  const links: Row[] = [];
  if (booking.rescheduleUrl)
    links.push({ label: "Reschedule", value: booking.rescheduleUrl, href: booking.rescheduleUrl });
  if (booking.cancelUrl) links.push({ label: "Cancel", value: booking.cancelUrl, href: booking.cancelUrl });
  return links;
}

export function renderText(
  lead: string,
  booking: Pick<BookingEmailSummary, "title" | "description">,
  rows: Row[],
  links: Row[],
): string {
  return [
    lead,
    "",
    booking.title,
    ...rows.map((row) => `${row.label}: ${row.value}`),
    ...(booking.description ? ["", booking.description] : []),
    ...(links.length ? ["", ...links.map((link) => `${link.label}: ${link.value}`)] : []),
    "",
  ].join("\n");
}

export function renderHtml(
  lead: string,
  booking: Pick<BookingEmailSummary, "title" | "description">,
  rows: Row[],
  links: Row[],
): string {
  const cell = (row: Row): string =>
    row.href && isSafeHref(row.href)
      ? `<a href="${escapeHtml(row.href)}">${escapeHtml(row.value)}</a>`
      : escapeHtml(row.value);
  const table = rows
    .map(
      (row) =>
        `<tr><th align="left" style="padding-right:12px">${escapeHtml(row.label)}</th><td>${cell(row)}</td></tr>`,
    )
    .join("");
  const description = booking.description
    ? `<p style="white-space:pre-wrap">${escapeHtml(booking.description)}</p>`
    : "";
  const action = (link: Row): string => cell({ ...link, value: link.label });
  const actions = links.length ? `<p>${links.map(action).join(" &middot; ")}</p>` : "";
  return [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<p>${escapeHtml(lead)}</p>`,
    `<h2>${escapeHtml(booking.title)}</h2>`,
    `<table>${table}</table>`,
    description,
    actions,
    "</body></html>",
  ].join("\n");
}
