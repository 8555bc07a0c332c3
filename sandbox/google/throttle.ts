import { GoogleApiError } from "./errors.ts";

/**
 * Injected faults for `POST /_sandbox/throttle`: the next `count` Calendar API requests (optionally only
 * one account's) fail the way Google fails under load (provider-protocols.md 4.7). Google seldom sends
 * Retry-After, so none is sent unless asked for.
 */

export type ThrottleStatus = 403 | 429 | 500 | 503;
export type ThrottleReason = "rateLimitExceeded" | "userRateLimitExceeded";

export interface ThrottleRule {
  remaining: number;
  status: ThrottleStatus;
  reason: ThrottleReason;
  retryAfter: string | null;
  account?: string;
}

export class ThrottleQueue {
  private rules: ThrottleRule[] = [];

  add(rule: ThrottleRule): void {
    if (rule.remaining > 0) this.rules.push(rule);
  }

  /** Consumes one failure for this account, if any rule applies. */
  take(account: string): GoogleApiError | undefined {
    const rule = this.rules.find(
      (candidate) => candidate.account === undefined || candidate.account === account,
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((candidate) => candidate !== rule);
    return throttleError(rule);
  }

  pending(): ThrottleRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }
}

function throttleError(rule: ThrottleRule): GoogleApiError {
  const headers: Record<string, string> = rule.retryAfter === null ? {} : { "retry-after": rule.retryAfter };
  if (rule.status === 500 || rule.status === 503) {
    return new GoogleApiError({
      code: rule.status,
      reason: "backendError",
      message: rule.status === 500 ? "Backend Error" : "The service is currently unavailable.",
      headers,
    });
  }
  const user = rule.reason === "userRateLimitExceeded";
  return new GoogleApiError({
    code: rule.status,
    reason: rule.reason,
    domain: "usageLimits",
    message: user ? "User Rate Limit Exceeded" : "Rate Limit Exceeded",
    headers,
  });
}
