import { z } from "zod";
import type {
  CalendarSource,
  ChannelRef,
  ListedChannel,
  SourceResult,
  WatchChannel,
  WatchParams,
} from "../../core/sync/calendar-source.ts";
import type { GraphClient } from "./graph-client.ts";

/**
 * Graph change notifications for one calendar (provider-protocols 2.12): a subscription on
 * `me/calendars/{id}/events` for created, updated and deleted, with a lifecycle URL (it can only be set at creation)
 * and the engine's random clientState. Graph validates both URLs during the POST, so our route must already answer.
 */
const graphSubscriptionSchema = z.object({
  id: z.string().min(1),
  resource: z.string().nullish(),
  notificationUrl: z.string().nullish(),
  expirationDateTime: z.string(),
});

const graphSubscriptionPageSchema = z.object({
  value: z.array(z.unknown()),
  "@odata.nextLink": z.string().optional(),
});

const invalidSubscription = {
  kind: "invalid_data",
  message: "Microsoft Graph answered with an unexpected subscription",
} as const;

/** Graph writes 7 fractional digits and sometimes `+00:00`; a date that does not parse is no date. */
function expiryOf(value: string): Date | null {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms);
}

const pathOf = (channel: ChannelRef) => `/subscriptions/${encodeURIComponent(channel.id)}`;

export function graphSubscriptionMethods(
  client: GraphClient,
): Required<Pick<CalendarSource, "watch" | "unwatch" | "renewChannel" | "listChannels">> {
  return {
    async watch(params: WatchParams): Promise<SourceResult<WatchChannel>> {
      const answer = await client.request({
        method: "POST",
        url: "/subscriptions",
        body: {
          changeType: "created,updated,deleted",
          notificationUrl: params.notificationUrl,
          ...(params.lifecycleUrl ? { lifecycleNotificationUrl: params.lifecycleUrl } : {}),
          // Graph matches the resource literally: calendar ids go in as listed (they carry `+` and `=`).
          resource: `me/calendars/${params.calendarRef}/events`,
          expirationDateTime: params.expiresAt.toISOString(),
          clientState: params.secret,
          latestSupportedTlsVersion: "v1_2",
        },
      });
      if (!answer.ok) return answer;
      const parsed = graphSubscriptionSchema.safeParse(answer.value.json);
      const expiresAt = parsed.success ? expiryOf(parsed.data.expirationDateTime) : null;
      if (!parsed.success || !expiresAt) return { ok: false, error: invalidSubscription };
      return {
        ok: true,
        value: {
          id: parsed.data.id,
          ...(parsed.data.resource ? { resource: parsed.data.resource } : {}),
          expiresAt,
          secret: params.secret,
        },
      };
    },

    async unwatch({ channel }): Promise<SourceResult<void>> {
      const answer = await client.request({ method: "DELETE", url: pathOf(channel), idempotent: true });
      // Already expired or removed at Graph: nothing left to stop.
      if (!answer.ok && answer.error.kind !== "not_found") return answer;
      return { ok: true, value: undefined };
    },

    /** PATCH renews and also reauthorizes, so `reauthorizationRequired` needs no separate /reauthorize call. */
    async renewChannel({ channel, expiresAt }): Promise<SourceResult<{ expiresAt: Date }>> {
      const answer = await client.request({
        method: "PATCH",
        url: pathOf(channel),
        body: { expirationDateTime: expiresAt.toISOString() },
        idempotent: true,
      });
      if (!answer.ok) return answer;
      const parsed = graphSubscriptionSchema.safeParse(answer.value.json);
      const renewed = parsed.success ? expiryOf(parsed.data.expirationDateTime) : null;
      if (!renewed) return { ok: false, error: invalidSubscription };
      return { ok: true, value: { expiresAt: renewed } };
    },

    async listChannels(): Promise<SourceResult<ListedChannel[]>> {
      const channels: ListedChannel[] = [];
      let url: string | undefined = "/subscriptions";
      for (let page = 0; url && page < 50; page++) {
        const answer = await client.request({ method: "GET", url });
        if (!answer.ok) return answer;
        const parsed = graphSubscriptionPageSchema.safeParse(answer.value.json);
        if (!parsed.success) return { ok: false, error: invalidSubscription };
        for (const raw of parsed.data.value) {
          // Subscriptions of other kinds (mail, Teams) may share the app: skip what we cannot read.
          const item = graphSubscriptionSchema.safeParse(raw);
          if (!item.success || !item.data.notificationUrl) continue;
          channels.push({
            id: item.data.id,
            ...(item.data.resource ? { resource: item.data.resource } : {}),
            notificationUrl: item.data.notificationUrl,
            expiresAt: expiryOf(item.data.expirationDateTime),
          });
        }
        url = parsed.data["@odata.nextLink"];
      }
      return { ok: true, value: channels };
    },
  };
}
