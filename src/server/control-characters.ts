import type { FastifyInstance } from "fastify";
import { AppError } from "./errors.ts";

/**
 * Control characters are refused at the edge, once, for every route: the hooks sit on the root instance, so routes
 * added later are covered without a schema remembering to do it. Two kinds of input, two rules:
 * - URL parts (path params, query names and values) and every header value: no ASCII control at all (U+0000-U+001F,
 *   U+007F). RFC 9110 §5.5 forbids them in field values, and ids, slugs, dates, zone names and keys never hold them.
 * - JSON bodies (string values and property names): no ASCII control except TAB, LF and CR, which free text (notes,
 *   descriptions, a cancellation reason) legitimately holds. Whether a field must be one line is its schema's call.
 * NUL is the one that broke things: PostgreSQL text and jsonb cannot hold it (SQLSTATE 22021/22P05), so it reached
 * the client as a 500 and the log as a failed query with the attendee's data in its parameters.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const anyControl = /[\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const controlExceptWhitespace = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export interface ControlCharacterProblem {
  /** Where, as the validation errors name it: `body.answers.topic`, `params.eventTypeSlug`, `headers.x-api-key`. */
  location: string;
  message: string;
}

function codePoint(character: string): string {
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * The first string (or property name) in `value` holding a character matched by `pattern`, in document order.
 * Iterative: a 256 KB body can nest deeper than the call stack reaches.
 */
function findIn(value: unknown, location: string, pattern: RegExp): ControlCharacterProblem | undefined {
  const pending: Array<{ value: unknown; location: string }> = [{ value, location }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value === "string") {
      const found = pattern.exec(next.value);
      if (found)
        return {
          location: next.location,
          message: `must not contain control characters (found ${codePoint(found[0])})`,
        };
      continue;
    }
    // Buffers (a raw body) are bytes, not text: nothing to check, and no reason to walk them index by index.
    if (typeof next.value !== "object" || next.value === null || ArrayBuffer.isView(next.value)) continue;
    const entries = Object.entries(next.value);
    for (const [key] of entries) {
      const found = pattern.exec(key);
      if (found) {
        return {
          location: next.location,
          message: `a property name must not contain control characters (found ${codePoint(found[0])})`,
        };
      }
    }
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, item] = entries[index]!;
      pending.push({ value: item, location: `${next.location}.${key}` });
    }
  }
  return undefined;
}

/** URL parts and headers: no control character at all. */
export function findControlInLine(value: unknown, location: string): ControlCharacterProblem | undefined {
  return findIn(value, location, anyControl);
}

/** JSON text: TAB, LF and CR allowed, any other control refused. */
export function findControlInText(value: unknown, location: string): ControlCharacterProblem | undefined {
  return findIn(value, location, controlExceptWhitespace);
}

function refuse(problem: ControlCharacterProblem | undefined): void {
  if (!problem) return;
  throw new AppError("validation_failed", `${problem.location}: ${problem.message}`, { details: [problem] });
}

/**
 * Installs the checks on `app`; call it before any route plugin is registered so that every scope inherits them.
 * onRequest covers what the API-key hook reads first (headers) and the URL; preValidation the parsed body.
 */
export function installControlCharacterGuard(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    // A route may take free text in its query: OAuth error redirects carry `error_description` with CR/LF (Entra
    // writes "AADSTS...\r\nTrace ID: ..."). NUL and the other controls are still refused there.
    const freeTextQuery = (request.routeOptions.config as { freeTextQuery?: boolean } | undefined)
      ?.freeTextQuery;
    refuse(
      findControlInLine(request.params, "params") ??
        (freeTextQuery
          ? findControlInText(request.query, "querystring")
          : findControlInLine(request.query, "querystring")) ??
        findControlInLine(request.headers, "headers"),
    );
  });
  app.addHook("preValidation", async (request) => {
    refuse(findControlInText(request.body, "body"));
  });
}
