import { z } from "zod";
import type { ChannelNotification } from "../../core/sync/calendar-source.ts";

/**
 * Google's push notifications (provider-protocols 4.6): an empty POST whose headers carry everything, one
 * notification per request. `sync` (the first message after events.watch) is only acknowledged; `exists` means
 * something changed (deletions too) and leads to an incremental pull; `not_exists` (the calendar is gone) also
 * makes the calendar pull, which then finds out. The message names no event.
 */
const headersSchema = z.object({
  "x-goog-channel-id": z.string().min(1).max(200),
  "x-goog-channel-token": z.string().max(1000).optional(),
  "x-goog-resource-id": z.string().min(1).max(500),
  "x-goog-resource-state": z.string().max(50),
});

export function parseGoogleNotification(request: {
  headers: Record<string, string | string[] | undefined>;
}): { notifications: ChannelNotification[]; skipped: number } | null {
  const parsed = headersSchema.safeParse(request.headers);
  if (!parsed.success) return null;
  const state = parsed.data["x-goog-resource-state"];
  if (state !== "sync" && state !== "exists" && state !== "not_exists")
    return { notifications: [], skipped: 1 };
  return {
    notifications: [
      {
        channelId: parsed.data["x-goog-channel-id"],
        secret: parsed.data["x-goog-channel-token"],
        resourceId: parsed.data["x-goog-resource-id"],
        kind: state === "sync" ? "sync" : "changed",
      },
    ],
    skipped: 0,
  };
}
