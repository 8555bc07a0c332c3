import { createHash } from "node:crypto";
import type { FastifyReply } from "fastify";
import type { EventLocation } from "../../core/bookings/event-type-rules.ts";

/**
 * The attendee's booking page behind the signed links, until a web UI exists: one self-contained HTML document (no
 * scripts, no external assets) with the booking, a cancel form that works without JavaScript and how to reschedule.
 * Every interpolated value goes through `escapeHtml`.
 */

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f6f6f6}" +
  "main{max-width:36rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px}" +
  "h1{font-size:1.5rem;margin-top:0}h2{font-size:1.15rem;margin-top:2rem}dt{font-weight:600}dd{margin:0 0 .75rem}" +
  "textarea{display:block;width:100%;box-sizing:border-box;min-height:5rem;font:inherit;margin:.25rem 0 .75rem}" +
  "button{font:inherit;padding:.5rem 1rem;border:0;border-radius:4px;background:#b3261e;color:#fff;cursor:pointer}" +
  "button:focus-visible,a:focus-visible,textarea:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}" +
  "a{color:#1a5fb4}code{word-break:break-all}" +
  "[role=status]{padding:.75rem;background:#e6f4ea}[role=alert]{padding:.75rem;background:#fce8e6}";

/**
 * Nothing but the inline style (by its hash) may load; forms post only back here; no framing; the page's URL holds
 * the link's secret token, so no Referer leaves it either (see the Referrer-Policy header).
 */
export const BOOKING_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

export interface BookingPageView {
  title: string;
  status: "pending" | "confirmed" | "cancelled" | "rejected";
  start: Date;
  end: Date;
  /** The attendee's time zone: times are shown in it. */
  timeZone: string;
  hostNames: string[];
  location: EventLocation | null;
  cancelReason: string | null;
  /** Relative URLs of the link's sub-resources (relative, so that a path prefix in front of the service holds). */
  cancelUrl: string;
  icsUrl: string;
  /** The absolute reschedule link, for the instructions. */
  rescheduleLink: string;
  notice?: string;
  error?: string;
}

function timeText(view: BookingPageView): string {
  const day = new Intl.DateTimeFormat("en", { dateStyle: "full", timeZone: view.timeZone });
  const clock = new Intl.DateTimeFormat("en", { timeStyle: "short", timeZone: view.timeZone });
  const startDay = day.format(view.start);
  const endDay = day.format(view.end);
  const end = startDay === endDay ? clock.format(view.end) : `${endDay}, ${clock.format(view.end)}`;
  return `${startDay}, ${clock.format(view.start)} – ${end} (${view.timeZone})`;
}

function locationHtml(location: EventLocation | null): string {
  if (!location?.value) return "";
  const text = escapeHtml(location.value);
  const body = /^https?:\/\//i.test(location.value) ? `<a href="${text}" rel="noreferrer">${text}</a>` : text;
  return `<dt>Where</dt><dd>${body}</dd>`;
}

const STATUS_TEXT: Record<BookingPageView["status"], string> = {
  confirmed: "Confirmed",
  pending: "Waiting for the host to confirm",
  cancelled: "Cancelled",
  rejected: "Declined by the host",
};

function page(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`
  );
}

export function renderBookingPage(view: BookingPageView): string {
  const open = view.status === "confirmed" || view.status === "pending";
  const parts = [
    `<h1>${escapeHtml(view.title)}</h1>`,
    view.notice ? `<p role="status">${escapeHtml(view.notice)}</p>` : "",
    view.error ? `<p role="alert">${escapeHtml(view.error)}</p>` : "",
    "<dl>",
    `<dt>When</dt><dd>${escapeHtml(timeText(view))}</dd>`,
    view.hostNames.length > 0 ? `<dt>With</dt><dd>${escapeHtml(view.hostNames.join(", "))}</dd>` : "",
    locationHtml(view.location),
    `<dt>Status</dt><dd>${STATUS_TEXT[view.status]}</dd>`,
    view.cancelReason ? `<dt>Reason given</dt><dd>${escapeHtml(view.cancelReason)}</dd>` : "",
    "</dl>",
    `<p><a href="${escapeHtml(view.icsUrl)}">Add to your calendar (.ics file)</a></p>`,
  ];
  if (open) {
    parts.push(
      `<h2 id="cancel">Cancel this booking</h2>`,
      `<form method="post" action="${escapeHtml(view.cancelUrl)}">`,
      `<label for="reason">Why are you cancelling? (the host will see this)</label>`,
      `<textarea id="reason" name="reason" required maxlength="1000"></textarea>`,
      `<button type="submit">Cancel booking</button></form>`,
      `<h2 id="reschedule">Move to another time</h2>`,
      "<p>Pick a new time in the app you booked through, or cancel here and book again. Apps move the booking by " +
        `sending <code>POST ${escapeHtml(view.rescheduleLink)}</code> with a JSON body such as ` +
        `<code>{"start": "2030-03-05T09:00:00Z"}</code> (a free slot's start).</p>`,
    );
  }
  return page(`${view.title}: your booking`, parts.join(""));
}

export function renderLinkErrorPage(params: { heading: string; message: string }): string {
  return page(
    params.heading,
    `<h1>${escapeHtml(params.heading)}</h1><p role="alert">${escapeHtml(params.message)}</p>` +
      "<p>Use the most recent link you received for this booking, or contact the host.</p>",
  );
}

export function sendHtml(reply: FastifyReply, status: number, html: string) {
  return reply
    .status(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("content-security-policy", BOOKING_PAGE_CSP)
    .header("referrer-policy", "no-referrer")
    .header("x-content-type-options", "nosniff")
    .header("cache-control", "no-store")
    .send(html);
}
