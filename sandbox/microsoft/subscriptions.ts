import { setTimeout as sleep } from "node:timers/promises";
import { newGuid } from "./ids.ts";
import type { EventChange, MicrosoftSandboxState } from "./state.ts";
import type { Subscription } from "./subscription-model.ts";
import { postJson } from "./webhook-delivery.ts";

export type LifecycleEvent = "reauthorizationRequired" | "subscriptionRemoved" | "missed";

export interface NotificationTiming {
  /** Validation must be answered within this (10 s at Graph). */
  validationTimeoutMs: number;
  /** Deliveries not answered 2xx within this are failed (3 s at Graph). */
  deliveryTimeoutMs: number;
  /** Waits before each redelivery; after the last the notification is dropped and `missed` is sent. */
  retryDelaysMs: number[];
}

/** Graph retries for about 4 h; the sandbox compresses that to a short schedule by default [inf]. */
export const DEFAULT_TIMING: NotificationTiming = {
  validationTimeoutMs: 10_000,
  deliveryTimeoutMs: 3_000,
  retryDelaysMs: [1_000, 5_000, 30_000],
};

/** Holds subscriptions and delivers change and lifecycle notifications. */
export class SubscriptionManager {
  readonly subscriptions = new Map<string, Subscription>();
  readonly timing: NotificationTiming;
  mode: { mode: "drop" | "delay" | "normal"; remaining: number; delayMs: number } = {
    mode: "normal",
    remaining: 0,
    delayMs: 0,
  };
  private readonly state: MicrosoftSandboxState;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(state: MicrosoftSandboxState, timing: NotificationTiming) {
    this.state = state;
    this.timing = timing;
    state.onEventChange((change) => this.dispatch(change));
  }

  /** Natural expiry: an expired subscription stops delivering and disappears. */
  expireDue(): void {
    for (const [id, subscription] of this.subscriptions) {
      if (subscription.expirationMs <= this.state.now()) this.subscriptions.delete(id);
    }
  }

  private dispatch(change: EventChange): void {
    this.expireDue();
    for (const subscription of this.subscriptions.values()) {
      if (
        subscription.mailboxId !== change.mailboxId ||
        !subscription.changeTypes.includes(change.changeType)
      )
        continue;
      if (subscription.calendarId && change.calendarId !== subscription.calendarId) continue;
      const resource = `Users/${subscription.mailboxId}/Events/${change.eventId}`;
      const notification = {
        subscriptionId: subscription.id,
        subscriptionExpirationDateTime: new Date(subscription.expirationMs)
          .toISOString()
          .replace(/\.\d{3}Z$/, "+00:00"),
        changeType: change.changeType,
        resource,
        clientState: subscription.clientState,
        tenantId: subscription.tenantId,
        resourceData: {
          "@odata.type": "#Microsoft.Graph.Event",
          "@odata.id": resource,
          "@odata.etag": `W/"${change.changeKey}"`,
          id: change.eventId,
        },
      };
      this.track(this.deliver(subscription, notification));
    }
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async deliver(subscription: Subscription, notification: Record<string, unknown>): Promise<void> {
    if (this.mode.mode !== "normal" && this.mode.remaining > 0) {
      const { mode, delayMs } = this.mode;
      this.mode.remaining--;
      if (this.mode.remaining === 0) this.mode = { mode: "normal", remaining: 0, delayMs: 0 };
      if (mode === "drop") return;
      await sleep(delayMs);
    }
    for (let attempt = 0; ; attempt++) {
      if (this.closed) return;
      if (
        await postJson(subscription.notificationUrl, { value: [notification] }, this.timing.deliveryTimeoutMs)
      )
        return;
      const wait = this.timing.retryDelaysMs[attempt];
      if (wait === undefined) break;
      await sleep(wait);
    }
    // Redelivery gave up: the notification is dropped; tell the client to resync with delta.
    await this.sendLifecycle(subscription, "missed");
  }

  async sendLifecycle(subscription: Subscription, lifecycleEvent: LifecycleEvent): Promise<boolean> {
    if (lifecycleEvent === "subscriptionRemoved") this.subscriptions.delete(subscription.id);
    if (!subscription.lifecycleNotificationUrl || this.closed) return false;
    const body = {
      value: [
        {
          subscriptionId: subscription.id,
          subscriptionExpirationDateTime: new Date(subscription.expirationMs)
            .toISOString()
            .replace(/\.\d{3}Z$/, "+00:00"),
          tenantId: subscription.tenantId,
          clientState: subscription.clientState,
          lifecycleEvent,
        },
      ],
    };
    return postJson(subscription.lifecycleNotificationUrl, body, this.timing.deliveryTimeoutMs);
  }

  /** Revoking a user's sessions asks every subscription they created to be reauthorized. */
  reauthorizationRequired(mailboxId: string): void {
    for (const subscription of this.subscriptions.values()) {
      if (subscription.creatorId === mailboxId)
        this.track(this.sendLifecycle(subscription, "reauthorizationRequired").then(() => undefined));
    }
  }

  newId(): string {
    return newGuid();
  }

  /** Waits for in-flight deliveries (tests) and stops retries. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    this.subscriptions.clear();
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
