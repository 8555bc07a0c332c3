/**
 * The part of a remote server's answer a tenant may see in a log: for a failed (non-2xx) text answer, its first
 * 200 characters with control and formatting characters removed; nothing for a success, and nothing for an
 * answer that is not text. A log that echoed whole answers would turn a guarded request into a way of reading
 * whatever the server returns; a short excerpt still shows "why did the receiver say 400".
 */
export const EXCERPT_CHARS = 200;

/** text/*, JSON and XML (with +json / +xml suffixes, RFC 6839) and form data: what is meant to be read. */
const TEXT_TYPE =
  /^(text\/[a-z0-9.+-]+|application\/(?:[a-z0-9.-]+\+)?(?:json|xml)|application\/x-www-form-urlencoded)\s*(?:;|$)/i;

export function responseExcerpt(params: {
  status: number;
  contentType: string | undefined;
  body: Uint8Array;
}): string | null {
  if (params.status >= 200 && params.status < 300) return null;
  if (!params.contentType || !TEXT_TYPE.test(params.contentType.trim())) return null;
  return sanitiseExcerpt(new TextDecoder().decode(params.body));
}

/**
 * Control (Cc), format (Cf: bidi overrides, zero-width) and line/paragraph separators become single spaces, then
 * the text is cut to EXCERPT_CHARS code points. Idempotent, so stores and presenters can apply it again.
 */
export function sanitiseExcerpt(text: string | null): string | null {
  if (text === null) return null;
  const cleaned = text
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]+/gu, " ")
    // A body cut inside a UTF-8 sequence decodes to U+FFFD at the end: not part of the answer.
    .replace(/\uFFFD+$/, "")
    .trim();
  const excerpt = Array.from(cleaned).slice(0, EXCERPT_CHARS).join("").trim();
  return excerpt === "" ? null : excerpt;
}
