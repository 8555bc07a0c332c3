import { type CalbridgeClient, type components, createCalbridgeClient } from "../../../client/index.ts";

/** The typed client over the service's own origin (the page is served by the service). */
export const api: CalbridgeClient = createCalbridgeClient({ baseUrl: window.location.origin });

export type Booking = components["schemas"]["Booking"];

/** What went wrong with a call, as the page tells the visitor. */
export type Failure =
  | { kind: "offline" }
  | { kind: "rate_limited" }
  | { kind: "server" }
  | { kind: "not_found"; message: string }
  | { kind: "taken"; nextSlots: Array<{ start: string; end: string }> }
  | { kind: "invalid"; message: string; fields: Record<string, string> }
  | { kind: "link"; message: string }
  | { kind: "conflict"; message: string };

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/** Field names from the server's validation details: `body.email`, `answers.company: required`, … */
function fieldsOf(details: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(details)) return fields;
  for (const item of details) {
    const [location, message] =
      typeof item === "string"
        ? [item.split(":")[0] ?? "", item.slice(item.indexOf(":") + 1).trim()]
        : [
            String((item as { location?: string }).location ?? ""),
            String((item as { message?: string }).message),
          ];
    const path = location.replace(/^body\./, "").split(".");
    const field = path[0] === "answers" ? path[1] : path[0];
    if (field) fields[field] = message;
  }
  return fields;
}

export function failureOf(response: Response | undefined, body: unknown): Failure {
  if (!response) return { kind: "offline" };
  const error = (body as ErrorBody | undefined)?.error;
  const message = error?.message ?? "";
  if (response.status === 429) return { kind: "rate_limited" };
  if (response.status >= 500) return { kind: "server" };
  if (response.status === 401) return { kind: "link", message };
  if (response.status === 404) return { kind: "not_found", message };
  if (error?.code === "slot_taken") {
    const next = (error.details as { nextSlots?: Array<{ start: string; end: string }> } | undefined)
      ?.nextSlots;
    return { kind: "taken", nextSlots: next ?? [] };
  }
  if (response.status === 409) return { kind: "conflict", message };
  return { kind: "invalid", message, fields: fieldsOf(error?.details) };
}

/**
 * Runs a typed-client call; network failures (offline, aborted) become `offline` instead of an exception.
 */
export async function call<T>(
  request: () => Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ ok: true; data: T; response: Response } | { ok: false; failure: Failure }> {
  try {
    const { data, error, response } = await request();
    if (response.ok && data !== undefined) return { ok: true, data, response };
    return { ok: false, failure: failureOf(response, error) };
  } catch {
    return { ok: false, failure: { kind: "offline" } };
  }
}

/** The path (and query) of one of the service's own absolute links, so it works behind any public URL. */
export function samePath(link: string): string {
  const url = new URL(link, window.location.origin);
  return `${url.pathname}${url.search}`;
}
