import { z } from "zod";

/**
 * Opaque cursors. A sync token remembers the change counter it has seen, the calendar, the sync epoch
 * (bumped by `/_sandbox/sync-tokens/expire`), the state generation (new on reset) and `singleEvents`,
 * which must match the full sync that produced it (provider-protocols.md 4.2). A page token remembers
 * the offset and the counter snapshot taken on the first page, so `nextSyncToken` on the last page
 * covers exactly what the pages covered.
 */

const syncCursorSchema = z.object({
  g: z.string(),
  c: z.string(),
  e: z.number(),
  s: z.number(),
  se: z.boolean(),
});
export type SyncCursor = z.infer<typeof syncCursorSchema>;

const pageCursorSchema = z.object({ g: z.string(), o: z.number().int().min(0), s: z.number() });
export type PageCursor = z.infer<typeof pageCursorSchema>;

// Real sync tokens are base64 protobufs starting "CP…"; the prefix keeps ours recognisable in logs.
const SYNC_PREFIX = "CPsbx";

export function encodeSyncToken(cursor: SyncCursor): string {
  return SYNC_PREFIX + Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

export function decodeSyncToken(token: string): SyncCursor | undefined {
  if (!token.startsWith(SYNC_PREFIX)) return undefined;
  return decode(token.slice(SYNC_PREFIX.length), syncCursorSchema);
}

export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

export function decodePageToken(token: string): PageCursor | undefined {
  return decode(token, pageCursorSchema);
}

function decode<T>(text: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(text, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
