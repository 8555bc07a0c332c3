import { z } from "zod";
import type { ChannelNotification } from "../../core/sync/calendar-source.ts";

/**
 * Graph's notification bodies (provider-protocols 2.12): `{"value":[...]}`, several notifications per POST, possibly
 * for different subscriptions. Change notifications carry `changeType`; lifecycle notifications carry
 * `lifecycleEvent` and go to the lifecycle URL (or to the notification URL when a subscription has none), so one
 * parser reads both. Basic notifications hold no event data: the engine resyncs the calendar.
 */
const graphNotificationSchema = z.object({
  subscriptionId: z.string().min(1).max(200),
  clientState: z.string().max(1000).nullish(),
  changeType: z.string().nullish(),
  lifecycleEvent: z.string().nullish(),
});

const graphNotificationBodySchema = z.object({ value: z.array(z.unknown()).max(1000) });

const lifecycleKinds: Record<string, ChannelNotification["kind"]> = {
  missed: "missed",
  subscriptionRemoved: "removed",
  reauthorizationRequired: "reauthorize",
};

/**
 * The notifications of one POST, or null when the body is not Graph's shape. Items that are not readable, and
 * lifecycle events this service does not act on, are left out (`skipped` counts them).
 */
export function parseGraphNotifications(
  body: unknown,
): { notifications: ChannelNotification[]; skipped: number } | null {
  const parsed = graphNotificationBodySchema.safeParse(body);
  if (!parsed.success) return null;
  const notifications: ChannelNotification[] = [];
  let skipped = 0;
  for (const raw of parsed.data.value) {
    const item = graphNotificationSchema.safeParse(raw);
    if (!item.success) {
      skipped++;
      continue;
    }
    const { subscriptionId, clientState, lifecycleEvent } = item.data;
    const kind = lifecycleEvent ? lifecycleKinds[lifecycleEvent] : "changed";
    if (!kind) {
      skipped++;
      continue;
    }
    notifications.push({ channelId: subscriptionId, secret: clientState ?? undefined, kind });
  }
  return { notifications, skipped };
}
