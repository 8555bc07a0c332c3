import type { AccessTokenSource } from "../access-token-source.ts";
import { type BearerJsonClient, createBearerJsonClient } from "../bearer-json-client.ts";
import type { ProviderHttp } from "../provider-http.ts";
import { mapGoogleFailure } from "./google-errors.ts";

/**
 * The Google Calendar v3 client: plain HTTP through the provider layer (timeouts, Retry-After, backoff on 429 and
 * 403 rate limits, per-account concurrency), not the official client, whose retry ignores Retry-After.
 */
export type GoogleClient = BearerJsonClient;

export function createGoogleClient(options: {
  apiUrl: string;
  http: ProviderHttp;
  /** Concurrency key: the Google account (Google's per-user quota). */
  account: string;
  tokens: AccessTokenSource;
}): GoogleClient {
  return createBearerJsonClient({
    name: "Google Calendar",
    rootUrl: options.apiUrl,
    http: options.http,
    account: options.account,
    tokens: options.tokens,
    mapFailure: mapGoogleFailure,
  });
}

/** A calendar id in a path: ids are email-like (`foo@gmail.com`, `…#holiday@…`) and must be encoded. */
export function calendarPath(calendarRef: string): string {
  return `/calendars/${encodeURIComponent(calendarRef)}`;
}
