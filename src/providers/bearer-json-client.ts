import type { SourceError, SourceResult } from "../core/sync/calendar-source.ts";
import type { AccessTokenSource } from "./access-token-source.ts";
import type { HttpMethod, ProviderHttp, ProviderHttpResult } from "./provider-http.ts";

/**
 * A thin JSON client over the provider HTTP layer for OAuth APIs (Graph, Google Calendar): bearer token, JSON, and
 * one retry with a refreshed token when the API answers 401 (a token can die before its stated expiry, e.g. after
 * a password change). Absolute URLs (links the API handed out) are followed only on the API's own origin: a stored
 * cursor must not become a way to send the token elsewhere.
 */
export interface BearerJsonClient {
  request(params: {
    method: HttpMethod;
    /** A path under the API root (`/me/calendars`) or a link the API returned. */
    url: string;
    headers?: Record<string, string>;
    body?: unknown;
    idempotent?: boolean;
  }): Promise<SourceResult<{ status: number; json: unknown }>>;
}

export function createBearerJsonClient(options: {
  /** The API's name in messages ("Microsoft Graph"). */
  name: string;
  rootUrl: string;
  http: ProviderHttp;
  /** Concurrency key: the mailbox or account. */
  account: string;
  tokens: AccessTokenSource;
  mapFailure(result: ProviderHttpResult): SourceError;
}): BearerJsonClient {
  const root = options.rootUrl.replace(/\/+$/, "");
  const origin = new URL(root).origin;
  const resolve = (url: string): string | null => {
    if (url.startsWith("/")) return `${root}${url}`;
    try {
      return new URL(url).origin === origin ? url : null;
    } catch {
      return null;
    }
  };
  return {
    async request(params) {
      const url = resolve(params.url);
      if (!url)
        return {
          ok: false,
          error: {
            kind: "sync_cursor_invalid",
            message: `a stored link is not on the ${options.name} origin`,
          },
        };
      let token = await options.tokens.current();
      for (let attempt = 0; ; attempt++) {
        if (!token.ok) return token;
        const result = await options.http.request({
          account: options.account,
          method: params.method,
          url,
          headers: {
            authorization: `Bearer ${token.value}`,
            accept: "application/json",
            ...(params.body !== undefined ? { "content-type": "application/json" } : {}),
            ...params.headers,
          },
          ...(params.body !== undefined ? { body: JSON.stringify(params.body) } : {}),
          idempotent: params.idempotent ?? params.method === "GET",
        });
        if (result.kind === "response" && result.status === 401 && attempt === 0) {
          token = await options.tokens.refreshed(token.value);
          continue;
        }
        if (result.kind !== "response" || result.status >= 400)
          return { ok: false, error: options.mapFailure(result) };
        let json: unknown = null;
        if (result.body.length > 0) {
          try {
            json = JSON.parse(result.body);
          } catch {
            return {
              ok: false,
              error: {
                kind: "invalid_data",
                message: `${options.name} answered ${result.status} with a body that is not JSON`,
              },
            };
          }
        }
        return { ok: true, value: { status: result.status, json } };
      }
    },
  };
}
