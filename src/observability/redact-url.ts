/**
 * URLs as log lines may show them. Some of ours are capability URLs (whoever holds the link holds the booking or
 * the calendar), and the URLs of others (webhook endpoints, .ics feeds) may carry credentials in their user info,
 * path or query: none of that may reach a log, which is kept longer and read by more people than the secret's owner.
 */

export const REDACTED = "[redacted]";

/**
 * Path segments that follow these ones are bearer secrets: attendee links (`/v1/public/bookings/<token>/...`, see
 * scheduling/booking-links.ts) and export feeds (`/v1/feeds/<token>.ics`, see routes/feed-download.ts). Matched on
 * decoded, lower-cased segments, so a 404 with an odd spelling of the same URL is redacted too.
 */
const secretAfter = [
  ["v1", "public", "bookings"],
  ["v1", "feeds"],
];

/** Query parameters whose values are secrets: tokens, keys, signatures, OAuth codes and states. */
const secretQueryNames = new Set([
  "token",
  "key",
  "apikey",
  "api_key",
  "sig",
  "signature",
  "code",
  "state",
  "validationtoken",
  "access_token",
  "refresh_token",
  "id_token",
  "client_secret",
  "secret",
  "password",
]);

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function followsSecretPrefix(previous: string[]): boolean {
  return secretAfter.some(
    (prefix) =>
      previous.length >= prefix.length &&
      prefix.every((segment, index) => previous[previous.length - prefix.length + index] === segment),
  );
}

function redactQuery(query: string): string {
  return query
    .split("&")
    .map((pair) => {
      const name = pair.split("=", 1)[0]!;
      return secretQueryNames.has(decode(name.replaceAll("+", " ")).toLowerCase())
        ? `${name}=${REDACTED}`
        : pair;
    })
    .join("&");
}

/**
 * A request target (`/path?query`) as a log line may show it: token segments of capability URLs, path segments
 * equal to one of `secretValues` (the decoded values of a route's secret params) and secret query values become
 * `[redacted]`; a `.ics` extension is kept so that the line still says what was fetched.
 */
export function redactRequestUrl(url: string, secretValues: readonly string[] = []): string {
  const queryAt = url.indexOf("?");
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const previous: string[] = [];
  const segments = path.split("/").map((segment) => {
    const decoded = decode(segment);
    const secret = segment !== "" && (followsSecretPrefix(previous) || secretValues.includes(decoded));
    if (segment !== "") previous.push(decoded.toLowerCase());
    return secret ? segment.replace(/^.*?(\.ics)?$/i, `${REDACTED}$1`) : segment;
  });
  return segments.join("/") + (queryAt === -1 ? "" : `?${redactQuery(url.slice(queryAt + 1))}`);
}

/**
 * Someone else's URL (a webhook endpoint, a calendar feed) for a log line: scheme and host (never user info), and of
 * its path only the segments that read like words (`/api/webhooks/v1`); anything else (ids, tokens such as
 * Slack's `/services/T0/B0/secret`) becomes `[redacted]`, and the query is dropped.
 */
export function redactExternalUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "[not a URL]";
  }
  const path = url.pathname
    .split("/")
    .map((segment) =>
      segment === "" || /^[a-z][a-z._-]{0,31}[0-9]{0,2}$/.test(segment) ? segment : REDACTED,
    )
    .join("/");
  return `${url.protocol}//${url.host}${path === "/" ? "" : path}${url.search ? `?${REDACTED}` : ""}`;
}
