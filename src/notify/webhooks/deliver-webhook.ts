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
  /** HTTP status, or 0 when no response arrived (network error, timeout). */
  status: number;
  durationMs: number;
  /** The first 1 KB of the response, for the delivery log. */
  responseBody: string;
  retryable: boolean;
  /** 410 Gone: the receiver asks us to stop; the endpoint should be disabled. */
  endpointGone: boolean;
  /** From a Retry-After header on 429/503, to feed nextRetryDelayMs. */
  retryAfterMs?: number;
  error?: { kind: "timeout" | "network" | "http_status" | "redirect"; message: string };
}

const RESPONSE_LOG_BYTES = 1024;

/**
 * One delivery attempt, as Standard Webhooks describes: POST of `{type, timestamp, data}` with the
 * `webhook-id`, `webhook-timestamp` and `webhook-signature` headers. Never throws: every outcome is a
 * DeliveryResult that the job stores in the delivery log and uses to decide on a retry.
 */
export async function deliverWebhook(params: {
  url: string;
  secret: string;
  event: WebhookEvent;
  fetch: typeof globalThis.fetch;
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
  const signal = AbortSignal.timeout(params.timeoutMs);
  try {
    const response = await params.fetch(params.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Calbridge-Webhooks/1",
        "webhook-id": event.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signWebhook({ secret: params.secret, id: event.id, timestamp, payload }),
      },
      body: payload,
      // A redirect could lead the signed payload to a host the tenant never registered.
      redirect: "manual",
      signal,
    });
    const responseBody = await readStart(response, RESPONSE_LOG_BYTES);
    return { ...classify(response, now), durationMs: elapsed(), responseBody };
  } catch (error) {
    const timedOut = signal.aborted;
    return {
      ok: false,
      status: 0,
      durationMs: elapsed(),
      responseBody: "",
      retryable: true,
      endpointGone: false,
      error: timedOut
        ? { kind: "timeout", message: `no response within ${params.timeoutMs} ms` }
        : { kind: "network", message: describe(error) },
    };
  }
}

function classify(response: Response, now: Date): Omit<DeliveryResult, "durationMs" | "responseBody"> {
  const status = response.status;
  const result = { ok: false, status, retryable: false, endpointGone: false };
  if (status >= 200 && status < 300) return { ...result, ok: true };
  if (status >= 300 && status < 400) {
    return {
      ...result,
      error: { kind: "redirect", message: `redirect to ${response.headers.get("location")}` },
    };
  }
  const error = { kind: "http_status" as const, message: `HTTP ${status}` };
  if (status === 410) return { ...result, endpointGone: true, error };
  // 408 and 429 are the receiver saying "later"; other 4xx will fail the same way again.
  const retryable = status >= 500 || status === 408 || status === 429;
  const retryAfterMs = retryable ? parseRetryAfter(response.headers.get("retry-after"), now) : undefined;
  return { ...result, retryable, error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/** RFC 9110 §10.2.3: seconds or an HTTP date. */
function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

/** Reads at most `limit` bytes and drops the rest, so a huge or endless response cannot fill memory. */
async function readStart(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
  } catch {
    // The status already tells the outcome; a body cut off by the timeout is logged as far as it came.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  // A cut in the middle of a UTF-8 sequence decodes to U+FFFD rather than failing.
  return new TextDecoder().decode(bytes);
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return error.message + cause;
  }
  return String(error);
}
