/**
 * Slot holds (reserving the chosen time while the visitor fills the form) and their contract:
 * `POST /v1/public/{tenant}/{eventType}/holds {start, duration?}` → 201 `{token, start, end, expiresAt}`, 409 when
 * the time is taken; `DELETE …/holds/{token}` → 204. Not in the typed client yet, hence plain fetch here; a service
 * without holds answers 404 and the page simply books without one.
 */
export type HoldResult =
  | { kind: "held"; token: string; expiresAt: string }
  | { kind: "taken" }
  | { kind: "unsupported" };

const holdsPath = (tenantSlug: string, eventTypeSlug: string) =>
  `/v1/public/${encodeURIComponent(tenantSlug)}/${encodeURIComponent(eventTypeSlug)}/holds`;

export async function placeHold(params: {
  tenantSlug: string;
  eventTypeSlug: string;
  start: string;
  duration?: number;
}): Promise<HoldResult> {
  try {
    const response = await fetch(holdsPath(params.tenantSlug, params.eventTypeSlug), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        start: params.start,
        ...(params.duration === undefined ? {} : { duration: params.duration }),
      }),
    });
    if (response.status === 409) return { kind: "taken" };
    if (response.status !== 201) return { kind: "unsupported" };
    const body = (await response.json()) as { token?: string; expiresAt?: string };
    if (!body.token || !body.expiresAt) return { kind: "unsupported" };
    return { kind: "held", token: body.token, expiresAt: body.expiresAt };
  } catch {
    return { kind: "unsupported" };
  }
}

export function releaseHold(params: { tenantSlug: string; eventTypeSlug: string; token: string }): void {
  fetch(`${holdsPath(params.tenantSlug, params.eventTypeSlug)}/${encodeURIComponent(params.token)}`, {
    method: "DELETE",
    keepalive: true,
  }).catch(() => undefined);
}
