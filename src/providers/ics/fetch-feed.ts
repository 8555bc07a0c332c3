import type { SourceError, SourceResult } from "../../core/sync/calendar-source.ts";
import { type OutboundGuard, sendGuardedRequest } from "../../outbound/guarded-fetch.ts";
import type { OutboundFailure } from "../../outbound/network-failure.ts";

/**
 * GET a feed URL through the outbound guard: every hop (redirects followed by hand, each one a new guarded request)
 * judged by the address policy at connect time, a size limit enforced while streaming, and one deadline for all.
 */
export interface FeedFetchOptions {
  guard: OutboundGuard;
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
  conditional?: { etag?: string | undefined; lastModified?: string | undefined };
  userAgent?: string;
}

export type FeedFetchResult =
  | { status: "not_modified"; finalUrl: string }
  | {
      status: "ok";
      body: Uint8Array;
      etag: string | undefined;
      lastModified: string | undefined;
      finalUrl: string;
    };

/**
 * A feed URL as typed, checked: http, https, webcal or webcals. `webcal://` is kept as written (and stored so):
 * it names no transport, so each fetch tries https first and falls back to http (see requestUrls).
 */
export function normaliseFeedUrl(raw: string): { ok: true; url: URL } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, message: "not a valid URL" };
  }
  if (!["http:", "https:", "webcal:", "webcals:"].includes(url.protocol)) {
    return {
      ok: false,
      message: `only http, https and webcal URLs can be subscribed to (got ${url.protocol.replace(":", "")})`,
    };
  }
  // Basic auth in the URL is allowed (private feeds use it): the whole URL is stored encrypted.
  return { ok: true, url };
}

/**
 * The URLs to request, in order. `webcal://` is https when the server speaks it (Apple, Google and Outlook
 * publish it so) and plain http on older servers; only a TLS-level failure of the https attempt moves on to http
 * (an HTTP error answer came from a server that does speak https). `webcals://` is https only.
 */
export function requestUrls(url: URL): URL[] {
  const rest = url.href.slice(url.protocol.length);
  if (url.protocol === "webcal:") return [new URL(`https:${rest}`), new URL(`http:${rest}`)];
  if (url.protocol === "webcals:") return [new URL(`https:${rest}`)];
  return [url];
}

type HopResult =
  | {
      ok: true;
      status: number;
      headers: Record<string, string | string[] | undefined>;
      body: Uint8Array;
      url: URL;
    }
  | { ok: false; failure: OutboundFailure };

async function followRedirects(start: URL, options: FeedFetchOptions, deadline: number): Promise<HopResult> {
  let url = start;
  for (let hop = 0; hop <= (options.maxRedirects ?? 5); hop++) {
    const headers: Record<string, string> = {
      "user-agent": options.userAgent ?? "Calbridge-Feeds/1",
      accept: "text/calendar, text/plain;q=0.8, */*;q=0.5",
      "accept-encoding": "identity",
    };
    if (options.conditional?.etag) headers["if-none-match"] = options.conditional.etag;
    if (options.conditional?.lastModified) headers["if-modified-since"] = options.conditional.lastModified;
    const answer = await sendGuardedRequest({
      url,
      method: "GET",
      headers,
      guard: options.guard,
      deadline,
      maxBytes: options.maxBytes,
      overflow: "fail",
    });
    if (!answer.ok) return { ok: false, failure: answer.error };
    const { status, headers: responseHeaders, body } = answer.value;
    if (![301, 302, 303, 307, 308].includes(status))
      return { ok: true, status, headers: responseHeaders, body, url };
    const location = responseHeaders.location;
    if (!location)
      return { ok: false, failure: { kind: "network", message: `redirect ${status} without a Location` } };
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return { ok: false, failure: { kind: "invalid_url", message: "redirect to an invalid URL" } };
    }
    // The next hop goes through sendGuardedRequest like the first: same scheme rule, same address policy.
    url = next;
  }
  return { ok: false, failure: { kind: "network", message: "too many redirects" } };
}

export async function fetchFeed(
  rawUrl: string,
  options: FeedFetchOptions,
): Promise<SourceResult<FeedFetchResult>> {
  const normalised = normaliseFeedUrl(rawUrl);
  if (!normalised.ok) return { ok: false, error: { kind: "invalid_data", message: normalised.message } };
  const deadline = Date.now() + options.timeoutMs;
  const [first, fallback] = requestUrls(normalised.url) as [URL, URL | undefined];
  let result = await followRedirects(first, options, deadline);
  if (fallback && !result.ok && result.failure.kind === "tls")
    result = await followRedirects(fallback, options, deadline);
  if (!result.ok) return { ok: false, error: failureError(result.failure) };
  const { status, headers, url } = result;
  if (status === 304) return { ok: true, value: { status: "not_modified", finalUrl: url.href } };
  if (status >= 200 && status < 300) {
    const etag = headers.etag as string | undefined;
    const lastModified = headers["last-modified"] as string | undefined;
    return { ok: true, value: { status: "ok", body: result.body, etag, lastModified, finalUrl: url.href } };
  }
  return { ok: false, error: statusError(status, headers["retry-after"] as string | undefined) };
}

function failureError(failure: OutboundFailure): SourceError {
  switch (failure.kind) {
    case "forbidden_target":
      return { kind: "forbidden_target", message: failure.message };
    case "invalid_url":
      return { kind: "forbidden_target", message: `redirect refused: ${failure.message}` };
    case "too_large":
      return { kind: "invalid_data", message: `the feed is ${failure.message}` };
    case "timeout":
      return { kind: "unavailable", message: "the feed timed out" };
    case "network":
    case "tls":
      return { kind: "unavailable", message: `could not fetch the feed: ${failure.message}` };
  }
}

function statusError(status: number, retryAfter: string | undefined): SourceError {
  if (status === 401 || status === 403)
    return { kind: "auth_revoked", message: `the feed answered ${status} (access denied)` };
  if (status === 404 || status === 410)
    return { kind: "not_found", message: `the feed answered ${status} (not found)` };
  if (status === 429) {
    const seconds = Number(retryAfter);
    return {
      kind: "rate_limited",
      retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : null,
      message: "the feed is rate limiting us (429)",
    };
  }
  return { kind: "unavailable", message: `the feed answered ${status}` };
}
