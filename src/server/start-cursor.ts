import { AppError } from "./errors.ts";

/**
 * The cursor of lists ordered by start then id (managed events, the host's calendar events): the last row's start
 * and id, opaque to callers (base64url JSON). A cursor this API did not give out is a 400.
 */
export interface StartCursor {
  startAt: Date;
  id: string;
}

export function encodeStartCursor(after: StartCursor): string {
  return Buffer.from(JSON.stringify([after.startAt.toISOString(), after.id])).toString("base64url");
}

export function parseStartCursor(cursor: string): StartCursor {
  try {
    const [start, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string];
    const startAt = new Date(start);
    if (typeof id !== "string" || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(startAt.getTime()))
      throw new Error();
    return { startAt, id };
  } catch {
    throw new AppError("validation_failed", "cursor is not one this API gave out");
  }
}
