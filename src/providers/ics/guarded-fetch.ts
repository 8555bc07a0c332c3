import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { SourceError } from "../../core/sync/calendar-source.ts";
import type { AddressPolicy } from "./address-policy.ts";

/**
 * GET a feed URL with the SSRF guard on every hop: only http/https (webcal:// means https), every resolved address
 * checked by the policy at connect time (the checked address is the one connected to, so DNS rebinding can't swap
 * it), redirects followed by hand and re-checked, a size limit enforced while streaming, and a deadline.
 */
export interface FeedFetchOptions {
  policy: AddressPolicy;
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

export function normaliseFeedUrl(raw: string): { ok: true; url: URL } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, message: "not a valid URL" };
  }
  if (url.protocol === "webcal:" || url.protocol === "webcals:")
    url = new URL(`https:${url.href.slice(url.protocol.length)}`);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return {
      ok: false,
      message: `only http, https and webcal URLs can be subscribed to (got ${url.protocol.replace(":", "")})`,
    };
  }
  // Basic auth in the URL is allowed (private feeds use it): the whole URL is stored encrypted.
  return { ok: true, url };
}

class GuardError extends Error {
  constructor(readonly sourceError: SourceError) {
    super(sourceError.message);
  }
}

function guardedLookup(policy: AddressPolicy) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: (
      error: NodeJS.ErrnoException | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void,
  ) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      // Every address must pass: a name that also resolves to an internal address is refused outright.
      for (const { address } of addresses) {
        const problem = policy.checkAddress(address);
        if (problem) {
          const refused = new Error(`refused to connect to ${hostname}: ${problem}`) as NodeJS.ErrnoException;
          refused.code = "EFORBIDDENTARGET";
          return callback(refused, "", 0);
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

function requestOnce(url: URL, options: FeedFetchOptions, deadline: number) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Uint8Array }>(
    (resolve, reject) => {
      const hostname = url.hostname.replace(/^\[|\]$/g, "");
      const allowedHost = options.policy.hostAllowed(hostname);
      if (!allowedHost && isIP(hostname) !== 0) {
        const problem = options.policy.checkAddress(hostname);
        if (problem)
          return reject(new GuardError({ kind: "forbidden_target", message: `refused: ${problem}` }));
      }
      const client = url.protocol === "https:" ? https : http;
      const headers: Record<string, string> = {
        "user-agent": options.userAgent ?? "Calbridge-Feeds/1",
        accept: "text/calendar, text/plain;q=0.8, */*;q=0.5",
        "accept-encoding": "identity",
      };
      if (options.conditional?.etag) headers["if-none-match"] = options.conditional.etag;
      if (options.conditional?.lastModified) headers["if-modified-since"] = options.conditional.lastModified;
      const request = client.request(url, {
        method: "GET",
        headers,
        ...(allowedHost ? {} : { lookup: guardedLookup(options.policy) as never }),
        timeout: Math.max(1, deadline - Date.now()),
      });
      const timer = setTimeout(
        () => request.destroy(new GuardError({ kind: "unavailable", message: "the feed timed out" })),
        Math.max(1, deadline - Date.now()),
      );
      request.on("timeout", () =>
        request.destroy(new GuardError({ kind: "unavailable", message: "the feed timed out" })),
      );
      request.on("error", (error) => {
        clearTimeout(timer);
        if (error instanceof GuardError) return reject(error);
        if ((error as NodeJS.ErrnoException).code === "EFORBIDDENTARGET") {
          return reject(new GuardError({ kind: "forbidden_target", message: error.message }));
        }
        reject(
          new GuardError({ kind: "unavailable", message: `could not fetch the feed: ${error.message}` }),
        );
      });
      request.on("response", (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            const limit =
              options.maxBytes >= 1_048_576
                ? `${Math.round(options.maxBytes / 1_048_576)} MB`
                : `${options.maxBytes} bytes`;
            clearTimeout(timer);
            reject(new GuardError({ kind: "invalid_data", message: `the feed is larger than ${limit}` }));
            request.destroy();
            return;
          }
          chunks.push(chunk);
        });
        response.on("end", () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: new Uint8Array(Buffer.concat(chunks)),
          });
        });
        response.on("error", (error) => {
          clearTimeout(timer);
          reject(
            error instanceof GuardError
              ? error
              : new GuardError({ kind: "unavailable", message: error.message }),
          );
        });
      });
      request.end();
    },
  );
}

export async function fetchFeed(
  rawUrl: string,
  options: FeedFetchOptions,
): Promise<{ ok: true; value: FeedFetchResult } | { ok: false; error: SourceError }> {
  const normalised = normaliseFeedUrl(rawUrl);
  if (!normalised.ok) return { ok: false, error: { kind: "invalid_data", message: normalised.message } };
  let url = normalised.url;
  const deadline = Date.now() + options.timeoutMs;
  try {
    for (let hop = 0; hop <= (options.maxRedirects ?? 5); hop++) {
      const response = await requestOnce(url, options, deadline);
      if ([301, 302, 303, 307, 308].includes(response.status)) {
        const location = response.headers.location;
        if (!location)
          return {
            ok: false,
            error: { kind: "unavailable", message: `redirect ${response.status} without a Location` },
          };
        const next = normaliseFeedUrl(new URL(location, url).href);
        if (!next.ok)
          return {
            ok: false,
            error: { kind: "forbidden_target", message: `redirect refused: ${next.message}` },
          };
        url = next.url;
        continue;
      }
      if (response.status === 304) return { ok: true, value: { status: "not_modified", finalUrl: url.href } };
      if (response.status >= 200 && response.status < 300) {
        const etag = response.headers.etag;
        const lastModified = response.headers["last-modified"];
        return {
          ok: true,
          value: { status: "ok", body: response.body, etag, lastModified, finalUrl: url.href },
        };
      }
      return { ok: false, error: statusError(response.status, response.headers["retry-after"]) };
    }
    return { ok: false, error: { kind: "unavailable", message: "too many redirects" } };
  } catch (error) {
    if (error instanceof GuardError) return { ok: false, error: error.sourceError };
    throw error;
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
