/** The booking page lives at /{tenantSlug}/{eventTypeSlug}; anything else is not a booking page. */
export function bookingPagePath(pathname: string): { tenantSlug: string; eventTypeSlug: string } | null {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length !== 2) return null;
  return { tenantSlug: parts[0]!, eventTypeSlug: parts[1]! };
}
