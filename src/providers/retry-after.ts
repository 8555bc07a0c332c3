/**
 * `Retry-After` as providers send it: whole or fractional seconds (Graph's docs show `2.128`) or an HTTP date
 * (RFC 9110 10.2.3). Returns milliseconds to wait, or null when the header is missing or unreadable, in which case
 * the caller falls back to its own backoff.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === "") return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date always names a weekday or month; Date.parse would read "-3" as the year 3 BC.
  if (!/[a-z]/i.test(text)) return null;
  const dateMs = Date.parse(text);
  if (Number.isNaN(dateMs)) return null;
  return Math.max(0, dateMs - nowMs);
}

/**
 * Full-jitter exponential backoff (AWS architecture blog): a random wait in [0, min(cap, base * 2^attempt)], so
 * workers that failed together do not retry together.
 */
export function backoffDelayMs(params: {
  attempt: number;
  baseMs: number;
  capMs: number;
  random: () => number;
}): number {
  const ceiling = Math.min(params.capMs, params.baseMs * 2 ** params.attempt);
  return Math.round(params.random() * ceiling);
}
