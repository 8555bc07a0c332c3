import { randomUUID } from "node:crypto";
import type {
  CalendarSource,
  SourceResult,
  WatchChannel,
  WatchParams,
} from "../../core/sync/calendar-source.ts";
import { calendarPath, type GoogleClient } from "./google-client.ts";
import { googleChannelSchema } from "./google-schemas.ts";

/**
 * Push channels on a calendar's events (provider-protocols 4.6): `events.watch` with a fresh channel id and the
 * engine's random token (echoed on every notification as X-Goog-Channel-Token), and `channels.stop`, which needs
 * both the channel id and the resourceId. Google channels cannot be extended: without `renewChannel` the engine
 * makes a new channel before expiry and then stops the old one. Google has no way to list an app's channels.
 */
const invalidChannel = {
  kind: "invalid_data",
  message: "Google Calendar answered with an unexpected channel",
} as const;

export function createGoogleChannelMethods(
  client: GoogleClient,
  now: () => Date,
): Required<Pick<CalendarSource, "watch" | "unwatch">> {
  return {
    async watch(params: WatchParams): Promise<SourceResult<WatchChannel>> {
      const ttlSeconds = Math.max(60, Math.floor((params.expiresAt.getTime() - now().getTime()) / 1000));
      const answer = await client.request({
        method: "POST",
        url: `${calendarPath(params.calendarRef)}/events/watch`,
        body: {
          id: randomUUID(),
          type: "web_hook",
          address: params.notificationUrl,
          token: params.secret,
          // int64 values travel as strings; Google may cap the lifetime and says so in the answer.
          expiration: String(params.expiresAt.getTime()),
          params: { ttl: String(ttlSeconds) },
        },
        // A channel id is single-use: a retry after a lost answer would fail (channelIdNotUnique).
        idempotent: false,
      });
      if (!answer.ok) return answer;
      const parsed = googleChannelSchema.safeParse(answer.value.json);
      const expiresAt = parsed.success ? Number(parsed.data.expiration) : Number.NaN;
      if (!parsed.success || !Number.isFinite(expiresAt)) return { ok: false, error: invalidChannel };
      return {
        ok: true,
        value: {
          id: parsed.data.id,
          resourceId: parsed.data.resourceId,
          expiresAt: new Date(expiresAt),
          secret: params.secret,
        },
      };
    },

    async unwatch({ channel }): Promise<SourceResult<void>> {
      // Without its resourceId a channel cannot be stopped; it expires on its own.
      if (!channel.resourceId) return { ok: true, value: undefined };
      const answer = await client.request({
        method: "POST",
        url: "/channels/stop",
        body: { id: channel.id, resourceId: channel.resourceId },
        idempotent: true,
      });
      // Already expired or stopped: nothing left to stop.
      if (!answer.ok && answer.error.kind !== "not_found") return answer;
      return { ok: true, value: undefined };
    },
  };
}
