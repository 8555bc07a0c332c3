import { type OutboundGuard, sendGuardedRequest } from "../../outbound/guarded-fetch.ts";
import type { OutboundFailure } from "../../outbound/network-failure.ts";
import { responseExcerpt } from "../../outbound/response-excerpt.ts";
import { signWebhook } from "./webhook-signature.ts";

export interface WebhookEvent {
  /** Stable per event: the receiver deduplicates retries by this `webhook-id`. */
  id: string;
  type: string;
  /** When the event happened (goes into the body as ISO 8601); the header timestamp is the attempt time. */
  timestamp: Date | string;
  data: unknown;
}

export interface DeliveryResult {
  ok: boolean;
  /** HTTP status, or 0 when no response arrived (refused target, network error, timeout). */
  status: number;
  durationMs: number;
  /** For a non-2xx text answer, its sanitised start (see responseExcerpt); otherwise null. */
  responseExcerpt: string | null;
  retryable: boolean;
  /** 410 Gone: the receiver asks us to stop; the endpoint should be disabled. */
  endpointGone: boolean;
  /** From a Retry-After header on 429/503, to feed nextRetryDelayMs. */
  retryAfterMs?: number;
  error?: {
    kind: "timeout" | "network" | "http_status" | "redirect" | "forbidden_target" | "invalid_url";
    message: string;
  };
}

/** Enough bytes for the excerpt's 200 characters in any script; the rest of the answer is not read. */
const RESPONSE_READ_BYTES = 1024;

/**
 * One delivery attempt, as Standard Webhooks describes: POST of `{type, timestamp, data}` with the
 * `webhook-id`, `webhook-timestamp` and `webhook-signature` headers, through the outbound SSRF guard (the
 * endpoint's host is judged by the address it is connected to, at every attempt). Never throws: every outcome is
 * a DeliveryResult that the job stores in the delivery log and uses to decide on a retry.
 */
export async function deliverWebhook(params: {
  url: string;
  secret: string;
  event: WebhookEvent;
  guard: OutboundGuard;
  timeoutMs: number;
  now?: () => Date;
}): Promise<DeliveryResult> {
  const { event } = params;
  const payload = JSON.stringify({
    type: event.type,
    timestamp: new Date(event.timestamp).toISOString(),
    data: event.data,
  });
  const now = (params.now ?? (() => new Date()))();
  const timestamp = Math.floor(now.getTime() / 1000);
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = new URL(params.url);
  } catch {
    return unanswered(elapsed(), { kind: "invalid_url", message: "not a valid URL" }, params.timeoutMs);
  }
  const answer = await sendGuardedRequest({
    url,
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "Calbridge-Webhooks/1",
      "webhook-id": event.id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook({ secret: params.secret, id: event.id, timestamp, payload }),
    },
    body: payload,
    guard: params.guard,
    deadline: Date.now() + params.timeoutMs,
    maxBytes: RESPONSE_READ_BYTES,
    overflow: "truncate",
  });
  if (!answer.ok) return unanswered(elapsed(), answer.error, params.timeoutMs);
  const { status, headers, body } = answer.value;
  const contentType = headers["content-type"];
  return {
    ...classify(status, (name) => headers[name] as string | undefined, now),
    durationMs: elapsed(),
    responseExcerpt: responseExcerpt({ status, contentType, body }),
  };
}

/** No answer: a refused target or a bad URL fails for good; the network and timeouts are worth another try. */
function unanswered(durationMs: number, failure: OutboundFailure, timeoutMs: number): DeliveryResult {
  const base = { ok: false, status: 0, durationMs, responseExcerpt: null, endpointGone: false };
  switch (failure.kind) {
    case "forbidden_target":
    case "invalid_url":
      return { ...base, retryable: false, error: { kind: failure.kind, message: failure.message } };
    case "timeout":
      return {
        ...base,
        retryable: true,
        error: { kind: "timeout", message: `no response within ${timeoutMs} ms` },
      };
    case "network":
    case "tls":
    case "too_large":
      return { ...base, retryable: true, error: { kind: "network", message: failure.message } };
  }
}

function classify(
  status: number,
  header: (name: string) => string | undefined,
  now: Date,
): Omit<DeliveryResult, "durationMs" | "responseExcerpt"> {
  const result = { ok: false, status, retryable: false, endpointGone: false };
  if (status >= 200 && status < 300) return { ...result, ok: true };
  if (status >= 300 && status < 400) {
    // Not followed: a redirect could lead the signed payload to a host the tenant never registered, and past the
    // address check made for the registered one. The Location is not echoed (it is more of the answer).
    return {
      ...result,
      error: {
        kind: "redirect",
        message: `HTTP ${status}: redirects are not followed; register the final URL`,
      },
    };
  }
  const error = { kind: "http_status" as const, message: `HTTP ${status}` };
  if (status === 410) return { ...result, endpointGone: true, error };
  // 408 and 429 are the receiver saying "later"; other 4xx will fail the same way again.
  const retryable = status >= 500 || status === 408 || status === 429;
  const retryAfterMs = retryable ? parseRetryAfter(header("retry-after"), now) : undefined;
  return { ...result, retryable, error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/** RFC 9110 §10.2.3: seconds or an HTTP date. */
function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}
