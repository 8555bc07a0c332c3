/**
 * When to retry a failed delivery. The Standard Webhooks / Svix schedule: 5 s, 5 min, 30 min, 2 h,
 * 5 h, 10 h, 10 h — about 28 hours before giving up, long enough to ride out a receiver's
 * deploy or outage. ±20 % jitter spreads the retries of many endpoints that failed together
 * (a receiver outage) so they do not come back as one burst.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** Attempts in total: the first one plus one per entry of the schedule. */
export const MAX_WEBHOOK_ATTEMPTS = WEBHOOK_RETRY_SCHEDULE_MS.length + 1;

/**
 * Delay before the next attempt after `failedAttempts` failures (1 after the first failure), or
 * `undefined` when the schedule is exhausted and the delivery should be marked failed.
 * `random` returns a number in [0, 1) (Math.random in production, a fixed value in tests).
 * A receiver's Retry-After is honoured when it asks for longer than the schedule.
 */
export function nextRetryDelayMs(params: {
  failedAttempts: number;
  random: () => number;
  retryAfterMs?: number;
}): number | undefined {
  const base = WEBHOOK_RETRY_SCHEDULE_MS[params.failedAttempts - 1];
  if (base === undefined) return undefined;
  const jittered = Math.round(base * (0.8 + 0.4 * params.random()));
  return Math.max(jittered, params.retryAfterMs ?? 0);
}
