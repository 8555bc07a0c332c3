import type { ChannelNotification, ProviderKind } from "../core/sync/calendar-source.ts";
import type { Logger } from "../observability/logger.ts";
import type { Database } from "../store/database.ts";
import { findChannelOwners, forgetChannel } from "../store/push-channels-repository.ts";
import { type CalendarKey, markCalendarDirty } from "../store/sync-states-repository.ts";
import { channelSecretMatches } from "./channel-secret.ts";

/**
 * What a batch of push notifications does, provider-neutral. Nothing here calls the provider, so the route can
 * answer within Graph's 3 seconds: a change (or `missed`) marks its calendar dirty and queues one sync per
 * connection; `subscriptionRemoved` forgets the channel (the sync that follows makes a new one); a renewal request
 * is queued for the channel job. A notification for a channel we don't hold, from another provider, or whose
 * secret does not match changes nothing: it is logged and counted (sync-failure-modes.md #14).
 */
export interface PushIntakeDeps {
  db: Database;
  logger: Logger;
  requestSync(connectionId: string): Promise<unknown>;
  requestRenewal(connectionId: string, channelIds: string[]): Promise<unknown>;
  /** Counts each notification by outcome (Prometheus). */
  count(labels: { provider: ProviderKind; kind: string; outcome: "accepted" | "rejected" }): void;
}

export interface IntakeReport {
  accepted: number;
  rejected: number;
}

export async function acceptNotifications(
  deps: PushIntakeDeps,
  params: { provider: ProviderKind; notifications: ChannelNotification[] },
): Promise<IntakeReport> {
  const { provider } = params;
  const owners = await findChannelOwners(deps.db, [
    ...new Set(params.notifications.map((notification) => notification.channelId)),
  ]);
  const dirty = new Map<string, CalendarKey>();
  const syncs = new Set<string>();
  const renewals = new Map<string, Set<string>>();
  const report: IntakeReport = { accepted: 0, rejected: 0 };
  for (const notification of params.notifications) {
    const owner = owners.get(notification.channelId);
    const valid =
      owner !== undefined &&
      owner.provider === provider &&
      channelSecretMatches(notification.secret, owner.channel.secretHash) &&
      // Google names the watched resource too: a notification for another resource is not this channel's.
      (owner.channel.resourceId === undefined || notification.resourceId === owner.channel.resourceId);
    deps.count({ provider, kind: notification.kind, outcome: valid ? "accepted" : "rejected" });
    if (!valid || !owner) {
      report.rejected++;
      // Google's `sync` hello can arrive before the new channel is stored: expected, so not a warning.
      const log = !owner && notification.kind === "sync" ? deps.logger.debug : deps.logger.warn;
      log.call(
        deps.logger,
        {
          provider,
          channel: notification.channelId.slice(0, 80),
          kind: notification.kind,
          reason: !owner ? "unknown channel" : "secret or resource does not match",
        },
        "push notification rejected",
      );
      continue;
    }
    report.accepted++;
    const key = { connectionId: owner.connectionId, calendarRef: owner.calendarRef };
    if (notification.kind === "sync") continue;
    if (notification.kind === "reauthorize") {
      const ids = renewals.get(owner.connectionId) ?? new Set<string>();
      renewals.set(owner.connectionId, ids.add(notification.channelId));
      continue;
    }
    if (notification.kind === "removed") await forgetChannel(deps.db, { ...key, id: notification.channelId });
    dirty.set(`${key.connectionId}\u0000${key.calendarRef}`, key);
    syncs.add(owner.connectionId);
  }
  // Several notifications for one calendar (one edit can yield several) make one dirty mark and one queued sync.
  for (const key of dirty.values()) await markCalendarDirty(deps.db, key);
  for (const connectionId of syncs) await deps.requestSync(connectionId);
  for (const [connectionId, ids] of renewals) await deps.requestRenewal(connectionId, [...ids]);
  return report;
}
