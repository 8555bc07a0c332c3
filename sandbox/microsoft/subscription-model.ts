import { GraphError } from "./graph-errors.ts";
import type { Mailbox } from "./model.ts";
import type { MicrosoftSandboxState } from "./state.ts";

export interface Subscription {
  id: string;
  resource: string;
  mailboxId: string;
  calendarId: string | null;
  changeTypes: string[];
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationMs: number;
  applicationId: string;
  creatorId: string;
  tenantId: string;
}

/** Outlook event subscriptions without resource data: at most 10,080 minutes; under 45 is raised to 45. */
export const MAX_LIFETIME_MINUTES = 10_080;
export const MIN_LIFETIME_MINUTES = 45;

export function badSubscription(message: string): GraphError {
  return new GraphError({ status: 400, code: "InvalidRequest", message });
}

/** `me/events`, `users/{id|upn}/events`, `me/calendars/{id}/events`, `me/calendar/events`. */
export function parseResource(
  state: MicrosoftSandboxState,
  resource: string,
  caller: Mailbox | null,
): { mailbox: Mailbox; calendarId: string | null } {
  const segments = resource.replace(/^\//, "").split("/").filter(Boolean);
  const owner =
    segments[0]?.toLowerCase() === "me" ? caller : state.findMailbox(decodeURIComponent(segments[1] ?? ""));
  const rest = (segments[0]?.toLowerCase() === "me" ? segments.slice(1) : segments.slice(2)).map((s) =>
    s.toLowerCase(),
  );
  if (!owner || (segments[0]?.toLowerCase() !== "me" && segments[0]?.toLowerCase() !== "users")) {
    throw badSubscription(`Resource '${resource}' is not supported.`);
  }
  if (rest.length === 1 && rest[0] === "events") return { mailbox: owner, calendarId: null };
  if (rest.length === 2 && rest[0] === "calendar" && rest[1] === "events") {
    return { mailbox: owner, calendarId: state.defaultCalendar(owner.id).id };
  }
  if (rest.length === 3 && rest[0] === "calendars" && rest[2] === "events") {
    const calendarId = segments[segments.length - 2] ?? "";
    const calendar = state.calendars.get(calendarId);
    if (!calendar || calendar.mailboxId !== owner.id)
      throw badSubscription(`Resource '${resource}' does not exist.`);
    return { mailbox: owner, calendarId };
  }
  throw badSubscription(`Resource '${resource}' is not supported.`);
}

/** Notification URLs must be HTTPS; the sandbox also accepts plain http on loopback [inf] for local tests. */
export function checkNotificationUrl(url: string, name: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badSubscription(`Invalid ${name}: '${url}'.`);
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(parsed.hostname);
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && loopback)) {
    throw badSubscription(`The ${name} must be an HTTPS URL.`);
  }
}

export function expirationFrom(value: unknown, nowMs: number): number {
  const ms = Date.parse(String(value ?? ""));
  if (Number.isNaN(ms))
    throw badSubscription("expirationDateTime is required and must be a valid DateTimeOffset.");
  if (ms <= nowMs) throw badSubscription("Subscription expiration must be in the future.");
  if (ms - nowMs > MAX_LIFETIME_MINUTES * 60_000) {
    throw badSubscription(
      `Subscription expiration can only be ${MAX_LIFETIME_MINUTES} minutes in the future.`,
    );
  }
  return Math.max(ms, nowMs + MIN_LIFETIME_MINUTES * 60_000);
}

export function renderSubscription(subscription: Subscription): Record<string, unknown> {
  return {
    id: subscription.id,
    resource: subscription.resource,
    applicationId: subscription.applicationId,
    changeType: subscription.changeTypes.join(","),
    clientState: subscription.clientState,
    notificationUrl: subscription.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: subscription.lifecycleNotificationUrl,
    expirationDateTime: new Date(subscription.expirationMs).toISOString().replace(/Z$/, "0000Z"),
    creatorId: subscription.creatorId,
    includeResourceData: null,
    latestSupportedTlsVersion: "v1_2",
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  };
}
