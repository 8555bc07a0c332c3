import type { ProviderKind } from "../core/sync/calendar-source.ts";
import type { ProviderMetrics } from "../observability/metrics.ts";
import { createKeyedSemaphore } from "./keyed-semaphore.ts";
import { backoffDelayMs, parseRetryAfter } from "./retry-after.ts";

/**
 * The one outbound HTTP layer for provider APIs (token endpoints, Graph, Google, CalDAV): a deadline per attempt,
 * `Retry-After` honoured on 429 and 503, full-jitter backoff on 429/503/504 and network failures, at most N
 * concurrent requests per account, and Prometheus metrics per provider (sync-failure-modes.md #10).
 *
 * It returns the provider's answer, not an interpretation of it: each adapter maps status and body to the port's
 * typed errors at its own boundary. A wait longer than `maxWaitMs` is not slept through: the response goes back
 * with `retryAfterMs` so the sync engine can stop, keep its place and come back later.
 */
export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE" | "PROPFIND" | "REPORT";

export interface ProviderHttpRequest {
  /** Concurrency key: the mailbox or account the request acts on. */
  account: string;
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /**
   * Whether a 5xx, a timeout or a network failure may be retried. True for reads and for writes the provider
   * deduplicates (Graph transactionId, Google client-chosen ids, CalDAV If-None-Match); false for other writes,
   * which may have been applied. A 429 is always retried: the provider did not apply the request.
   */
  idempotent: boolean;
}

type ProviderAnswer =
  | { kind: "response"; status: number; headers: Headers; body: string; retryAfterMs: number | null }
  | { kind: "network"; reason: NetworkFailureReason; retryAfterMs: null };

/**
 * `held`: not sent, because this service's request budget for the provider is used up (budgeted-http.ts); the
 * request may be made again after `retryAfterMs`. Adapters map it with `heldBackError`.
 */
export type ProviderHttpResult = ProviderAnswer | { kind: "held"; retryAfterMs: number; budget: string };

/** The port's error for a request held back by a budget: rate limited, so the work is queued again, never dropped. */
export function heldBackError(result: { retryAfterMs: number; budget: string }): {
  kind: "rate_limited";
  retryAfterMs: number;
  message: string;
} {
  const scope = result.budget.split(":")[0];
  return {
    kind: "rate_limited",
    retryAfterMs: result.retryAfterMs,
    message: `held back by this service's request budget (${scope}); it goes on when the budget refills`,
  };
}

/**
 * `refused` (the address policy refused the target) and `too_large` (an answer over the size limit) come from a
 * guarded fetch (tenant-given URLs such as CalDAV servers): asking again cannot change them, so they are not retried.
 */
export type NetworkFailureReason = "timeout" | "unreachable" | "refused" | "too_large";

/** What a fetch can throw to say which of the final reasons it was (see createOutboundFetch). */
export class ProviderFetchRefusal extends Error {
  constructor(
    readonly reason: "refused" | "too_large",
    message: string,
  ) {
    super(message);
  }
}

export interface ProviderHttp {
  request(request: ProviderHttpRequest): Promise<ProviderHttpResult>;
}

export interface ProviderHttpOptions {
  provider: ProviderKind;
  fetch?: typeof globalThis.fetch;
  metrics?: ProviderMetrics;
  /** Deadline of one attempt, body included. */
  timeoutMs?: number;
  maxAttempts?: number;
  /** Longest single wait slept through; a longer Retry-After is handed back to the caller. */
  maxWaitMs?: number;
  backoff?: { baseMs: number; capMs: number };
  concurrencyPerAccount?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /**
   * Whether an answer is the provider saying "slow down" (never applied, always retried with backoff). Default:
   * 429. Google also throttles with 403 `rateLimitExceeded` / `userRateLimitExceeded` (provider-protocols 4.7).
   */
  isThrottled?: (answer: { status: number; body: string }) => boolean;
}

const retryableStatuses = new Set([429, 503, 504]);

export function createProviderHttp(options: ProviderHttpOptions): ProviderHttp {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const backoff = options.backoff ?? { baseMs: 500, capMs: 30_000 };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const gate = createKeyedSemaphore(options.concurrencyPerAccount ?? 4);
  const provider = options.provider;
  const isThrottled = options.isThrottled ?? ((answer: { status: number }) => answer.status === 429);

  async function attempt(request: ProviderHttpRequest): Promise<ProviderAnswer> {
    const started = now();
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await doFetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal,
        redirect: "manual",
      });
      const body = await response.text();
      options.metrics?.requests.inc({ provider, status: String(response.status) });
      options.metrics?.duration.observe({ provider }, (now() - started) / 1000);
      return {
        kind: "response",
        status: response.status,
        headers: response.headers,
        body,
        retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), now()),
      };
    } catch (error) {
      if (error instanceof ProviderFetchRefusal) {
        options.metrics?.requests.inc({ provider, status: error.reason });
        return { kind: "network", reason: error.reason, retryAfterMs: null };
      }
      const timedOut = signal.aborted || (error as Error).name === "TimeoutError";
      options.metrics?.requests.inc({ provider, status: timedOut ? "timeout" : "network" });
      return { kind: "network", reason: timedOut ? "timeout" : "unreachable", retryAfterMs: null };
    }
  }

  return {
    request(request) {
      return gate.run(request.account, async () => {
        for (let attemptIndex = 0; ; attemptIndex++) {
          const result = await attempt(request);
          const throttled = result.kind === "response" && isThrottled(result);
          const retryable =
            result.kind === "network"
              ? request.idempotent && (result.reason === "timeout" || result.reason === "unreachable")
              : throttled ||
                (retryableStatuses.has(result.status) && (result.status === 429 || request.idempotent));
          if (!retryable || attemptIndex + 1 >= maxAttempts) return result;
          if (throttled) options.metrics?.throttles.inc({ provider });
          const wait =
            result.retryAfterMs ??
            backoffDelayMs({ attempt: attemptIndex, baseMs: backoff.baseMs, capMs: backoff.capMs, random });
          if (wait > maxWaitMs) return result;
          options.metrics?.retries.inc({
            provider,
            reason: result.kind === "network" ? result.reason : String(result.status),
          });
          await sleep(wait);
        }
      });
    },
  };
}
