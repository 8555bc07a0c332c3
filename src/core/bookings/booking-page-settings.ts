import { z } from "zod";

/**
 * A tenant's public booking page settings: the brand colour and logo the page shows, and the web origins allowed to
 * frame it (the embed). Pure: checked here, stored as the tenant's `booking_page` JSON, turned into the page's
 * Content-Security-Policy `frame-ancestors` by `frameAncestorsDirective`.
 */
export interface BookingPageSettings {
  /** `#rrggbb`; the page derives its accent shades and a readable text colour from it. */
  brandColor?: string;
  /** An https URL, or a path on the service itself (`/…`, same origin). */
  logoUrl?: string;
  /** Origins (`https://app.example.com`; http only for loopback hosts) that may embed the booking page. */
  frameAncestors?: string[];
}

const loopback = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function checkLogoUrl(raw: string): { ok: true; url: string } | { ok: false; message: string } {
  // Same origin: a plain absolute path (not `//host`, which is another origin).
  if (/^\/(?!\/)[^\s\\]*$/.test(raw)) return { ok: true, url: raw };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: "must be an https URL or a path on this service (/...)" };
  }
  if (url.protocol !== "https:")
    return { ok: false, message: "must be an https URL or a path on this service" };
  if (url.username || url.password) return { ok: false, message: "cannot carry credentials" };
  return { ok: true, url: url.href };
}

export function checkFrameAncestor(
  raw: string,
): { ok: true; origin: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: `"${raw.slice(0, 200)}" is not an origin such as https://app.example.com` };
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback.has(url.hostname)))
    return { ok: false, message: `"${raw.slice(0, 200)}" must use https (http only for localhost)` };
  if (url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== ""))
    return { ok: false, message: `"${raw.slice(0, 200)}" must be an origin only (scheme, host, port)` };
  return { ok: true, origin: url.origin };
}

export const bookingPageSettingsSchema = z
  .object({
    brandColor: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, "must be a colour such as #1a5fb4")
      .nullable()
      .optional()
      .meta({ description: "The booking page's accent colour, `#rrggbb` (null: the default)" }),
    logoUrl: z
      .string()
      .max(2000)
      .nullable()
      .optional()
      .meta({ description: "An https URL or a path on this service (`/...`) of the logo (null: none)" }),
    frameAncestors: z
      .array(z.string().max(300))
      .max(20)
      .optional()
      .meta({
        description:
          "Origins that may embed the booking page in a frame (Content-Security-Policy frame-ancestors), e.g. " +
          "`https://www.example.com`; empty: only this service itself",
      }),
  })
  .strict();

export type BookingPageSettingsInput = z.infer<typeof bookingPageSettingsSchema>;

/** Merges a change into the stored settings; null clears a field. Problems name the field. */
export function applyBookingPageSettings(
  current: BookingPageSettings,
  change: BookingPageSettingsInput,
): { ok: true; value: BookingPageSettings } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const next: BookingPageSettings = { ...current };
  if (change.brandColor === null) delete next.brandColor;
  else if (change.brandColor !== undefined) next.brandColor = change.brandColor.toLowerCase();
  if (change.logoUrl === null) delete next.logoUrl;
  else if (change.logoUrl !== undefined) {
    const checked = checkLogoUrl(change.logoUrl);
    if (checked.ok) next.logoUrl = checked.url;
    else problems.push(`bookingPage.logoUrl: ${checked.message}`);
  }
  if (change.frameAncestors !== undefined) {
    const origins: string[] = [];
    for (const [index, raw] of change.frameAncestors.entries()) {
      const checked = checkFrameAncestor(raw);
      if (checked.ok) origins.push(checked.origin);
      else problems.push(`bookingPage.frameAncestors[${index}]: ${checked.message}`);
    }
    next.frameAncestors = [...new Set(origins)];
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: next };
}

/** The CSP directive for the booking page: the service itself and the tenant's embedding origins. */
export function frameAncestorsDirective(settings: BookingPageSettings | undefined): string {
  return ["frame-ancestors 'self'", ...(settings?.frameAncestors ?? [])].join(" ");
}
