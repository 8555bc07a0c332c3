import { type OutboundGuard, sendGuardedRequest } from "../outbound/guarded-fetch.ts";
import { ProviderFetchRefusal } from "./provider-http.ts";

/**
 * A `fetch` for the provider HTTP layer whose target is a URL a tenant gave (a CalDAV server): every request goes
 * through the address policy (scheme, IP literal, and the address the socket really connects to), answers are
 * capped at `maxBytes`, and redirects come back as they are (the caller follows them, each hop guarded again).
 * A refusal or an oversized answer is thrown as a ProviderFetchRefusal, so it is reported, not retried.
 */
export function createGuardedProviderFetch(params: {
  guard: OutboundGuard;
  maxBytes: number;
  timeoutMs: number;
}): typeof globalThis.fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = typeof init?.body === "string" ? init.body : undefined;
    if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
    const result = await sendGuardedRequest({
      url,
      method: init?.method ?? "GET",
      headers,
      ...(body !== undefined ? { body } : {}),
      guard: params.guard,
      deadline: Date.now() + params.timeoutMs,
      maxBytes: params.maxBytes,
      overflow: "fail",
    });
    if (!result.ok) {
      const { kind, message } = result.error;
      if (kind === "forbidden_target" || kind === "invalid_url")
        throw new ProviderFetchRefusal("refused", message);
      if (kind === "too_large") throw new ProviderFetchRefusal("too_large", `the answer is ${message}`);
      if (kind === "timeout") throw new DOMException(message, "TimeoutError");
      throw new Error(message);
    }
    const answer = result.value;
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, one);
    }
    // A null body status (204, 304) must not be given a body, even an empty one.
    const noBody = answer.status === 204 || answer.status === 205 || answer.status === 304;
    const response = new Response(noBody ? null : answer.body, {
      status: answer.status,
      headers: responseHeaders,
    });
    Object.defineProperty(response, "url", { value: url.href });
    return response;
  };
}
