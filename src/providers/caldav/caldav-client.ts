import type { SourceResult } from "../../core/sync/calendar-source.ts";
import type { HttpMethod, ProviderHttp } from "../provider-http.ts";
import { CalDavFailure, mapCalDavFailure, mapCalDavStatus } from "./caldav-errors.ts";

/**
 * The CalDAV connection to one account: HTTP Basic over the provider HTTP layer (deadline, backoff, per-account
 * concurrency), whose fetch is the guarded one (every request and every redirect hop judged by the address policy).
 *
 * tsdav does the protocol with this client's `fetch`. Redirects are followed here, method and body kept (WebDAV
 * servers redirect PROPFIND and REPORT: iCloud's /.well-known/caldav and its partition hosts), at most 5 hops.
 * The credentials go to the origin of the server URL the host gave, and to other origins only over https (iCloud
 * hands out partition hosts): a redirect or a discovered URL on another host over plain http does not get them.
 * Failures that end a whole operation (network, 401, 429, 5xx) are thrown from `fetch` as CalDavFailure and come
 * back from `run` as values; every other status reaches tsdav as an answer, for the caller to judge.
 */
export interface CalDavCredentials {
  username: string;
  password: string;
}

export interface CalDavClient {
  readonly fetch: typeof globalThis.fetch;
  run<T>(operation: (fetch: typeof globalThis.fetch) => Promise<T>): Promise<SourceResult<T>>;
}

const MAX_REDIRECTS = 5;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

export function basicAuthorization(credentials: CalDavCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, "utf8").toString("base64")}`;
}

export function createCalDavClient(options: {
  http: ProviderHttp;
  credentials: CalDavCredentials;
  /** Concurrency key (the connection): the provider HTTP layer limits requests per key. */
  account: string;
  /** The server URL the host gave: its origin gets the credentials even over http (intranet servers). */
  serverUrl: string;
}): CalDavClient {
  const trustedOrigin = new URL(options.serverUrl).origin;
  const authorization = basicAuthorization(options.credentials);
  const fetch: typeof globalThis.fetch = async (input, init) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    let method = (init?.method ?? "GET").toUpperCase() as HttpMethod;
    let body = typeof init?.body === "string" ? init.body : undefined;
    for (let hop = 0; ; hop++) {
      const sendCredentials = url.origin === trustedOrigin || url.protocol === "https:";
      const result = await options.http.request({
        account: options.account,
        method,
        url: url.href,
        headers: { ...headers, ...(sendCredentials ? { authorization } : {}) },
        ...(body !== undefined ? { body } : {}),
        // Reads, and writes made safe by If-None-Match / If-Match, may be repeated; a plain DELETE too.
        idempotent: true,
      });
      if (result.kind !== "response") throw new CalDavFailure(mapCalDavFailure(result));
      const { status } = result;
      if (redirectStatuses.has(status)) {
        const location = result.headers.get("location");
        if (!location || hop >= MAX_REDIRECTS)
          throw new CalDavFailure({
            kind: "invalid_data",
            message: "the CalDAV server redirected too often or without a location",
          });
        url = new URL(location, url);
        if (status === 303) {
          method = "GET";
          body = undefined;
        }
        continue;
      }
      if (status === 401 || status === 429 || status >= 500)
        throw new CalDavFailure(mapCalDavStatus(status, result.retryAfterMs));
      const noBody = status === 204 || status === 205 || status === 304;
      const response = new Response(noBody ? null : result.body, { status, headers: result.headers });
      Object.defineProperty(response, "url", { value: url.href });
      return response;
    }
  };
  return {
    fetch,
    async run(operation) {
      try {
        return { ok: true, value: await operation(fetch) };
      } catch (error) {
        if (error instanceof CalDavFailure) return { ok: false, error: error.error };
        throw error;
      }
    },
  };
}

/**
 * tsdav returns parsed multistatus entries without the answer's status or final URL: this remembers the last
 * answer, for relative hrefs after a redirect and for telling a 207 from an error body.
 */
export function trackAnswers(fetch: typeof globalThis.fetch): {
  fetch: typeof globalThis.fetch;
  last(): { url: string; status: number };
} {
  let last = { url: "", status: 0 };
  return {
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      last = { url: response.url, status: response.status };
      return response;
    },
    last: () => last,
  };
}
