import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "../../../client/schema.d.ts";

/**
 * The portal talks only to /portal/api through the typed client generated from the service's OpenAPI document. The
 * session cookie travels by itself (same origin); every change carries the session's CSRF token.
 */
export type Schedule = components["schemas"]["Schedule"];
export type Connection = components["schemas"]["CalendarConnection"];
export type Booking = components["schemas"]["Booking"];
export type Provider = components["schemas"]["PortalProvider"];
export type Session = components["schemas"]["PortalSession"];

let csrfToken = "";

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== "GET" && request.method !== "HEAD") request.headers.set("x-csrf-token", csrfToken);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(csrf);

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** The server's message of a failed call (the error envelope), for showing in place. */
export function errorMessage(error: unknown, fallback: string): string {
  const message = (error as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === "string" ? message : fallback;
}

/** Unwraps an answer or throws with the server's message, for callers that show one error line. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }, fallback: string): T {
  if (!result.response.ok) {
    if (result.response.status === 401) window.dispatchEvent(new Event("portal:signed-out"));
    throw new Error(errorMessage(result.error, fallback));
  }
  return result.data as T;
}
