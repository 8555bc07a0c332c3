import { createHash } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";

/**
 * events.watch channels and their webhook deliveries (provider-protocols.md 4.6, trap 12): an empty-body
 * POST whose headers carry everything; `sync` first, then `exists` on every change (a deletion inside the
 * collection is also `exists`) and `not_exists` when the watched collection itself goes away. Channels
 * never renew and send nothing when they stop or expire. Receivers' 500/502/503/504 are retried with
 * exponential backoff, as Google does; other statuses are final.
 */

export type ResourceState = "sync" | "exists" | "not_exists";

export interface Channel {
  id: string;
  resourceId: string;
  resourceUri: string;
  calendarId: string;
  account: string;
  address: string;
  token?: string;
  expiration: number;
  messageNumber: number;
}

export interface Delivery {
  channelId: string;
  state: ResourceState;
  messageNumber: number;
  outcome: "pending" | "delivered" | "dropped" | "failed";
  httpStatus?: number;
  attempts: number;
}

export type NotificationMode =
  | { mode: "normal" }
  | { mode: "drop"; remaining: number }
  | { mode: "delay"; remaining: number; delayMs: number };

const RETRY_STATUSES = new Set([500, 502, 503, 504]);
const MAX_ATTEMPTS = 4;
const FIRST_BACKOFF_MS = 250;
const MAX_DELIVERY_LOG = 500;

export class ChannelRegistry {
  private readonly channels = new Map<string, Channel>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private readonly clock: () => number;
  private readonly log: FastifyBaseLogger;
  private closed = false;
  mode: NotificationMode = { mode: "normal" };
  deliveries: Delivery[] = [];

  constructor(params: { clock: () => number; log: FastifyBaseLogger }) {
    this.clock = params.clock;
    this.log = params.log;
  }

  /** `resourceId` is opaque but stable per watched collection, so it is derived from it. */
  static resourceIdFor(calendarId: string, generation: string): string {
    return createHash("sha1").update(`${generation}:${calendarId}`).digest("base64url").slice(0, 27);
  }

  has(id: string): boolean {
    return this.live(id) !== undefined;
  }

  add(channel: Channel): void {
    this.channels.set(channel.id, channel);
    this.send(channel, "sync");
  }

  /** channels.stop needs both ids (4.6); an unknown or mismatched pair is a 404 for the caller. */
  stop(id: string, resourceId: string): boolean {
    const channel = this.live(id);
    if (!channel || channel.resourceId !== resourceId) return false;
    this.channels.delete(id);
    return true;
  }

  notifyChange(calendarId: string): void {
    for (const channel of this.watching(calendarId)) this.send(channel, "exists");
  }

  notifyGone(calendarId: string): void {
    for (const channel of this.watching(calendarId)) {
      this.send(channel, "not_exists");
      this.channels.delete(channel.id);
    }
  }

  list(): Channel[] {
    return [...this.channels.keys()].flatMap((id) => this.live(id) ?? []);
  }

  clear(): void {
    this.channels.clear();
    this.deliveries = [];
    this.mode = { mode: "normal" };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort();
  }

  private watching(calendarId: string): Channel[] {
    return this.list().filter((channel) => channel.calendarId === calendarId);
  }

  /** Expired channels vanish silently (Google sends no final message). */
  private live(id: string): Channel | undefined {
    const channel = this.channels.get(id);
    if (channel && channel.expiration <= this.clock()) {
      this.channels.delete(id);
      return undefined;
    }
    return channel;
  }

  private send(channel: Channel, state: ResourceState): void {
    channel.messageNumber += 1;
    const delivery: Delivery = {
      channelId: channel.id,
      state,
      messageNumber: channel.messageNumber,
      outcome: "pending",
      attempts: 0,
    };
    this.record(delivery);
    const mode = this.consumeMode();
    if (mode.mode === "drop") {
      delivery.outcome = "dropped";
      return;
    }
    const headers: Record<string, string> = {
      "x-goog-channel-id": channel.id,
      "x-goog-channel-expiration": new Date(channel.expiration).toUTCString(),
      "x-goog-resource-id": channel.resourceId,
      "x-goog-resource-uri": channel.resourceUri,
      "x-goog-resource-state": state,
      "x-goog-message-number": String(channel.messageNumber),
    };
    if (channel.token !== undefined) headers["x-goog-channel-token"] = channel.token;
    this.schedule(mode.mode === "delay" ? mode.delayMs : 0, () =>
      this.attempt(channel.address, headers, delivery),
    );
  }

  private consumeMode(): NotificationMode {
    const current = this.mode;
    if (current.mode === "normal") return current;
    if (current.remaining <= 1) this.mode = { mode: "normal" };
    else current.remaining -= 1;
    return current;
  }

  private async attempt(address: string, headers: Record<string, string>, delivery: Delivery): Promise<void> {
    if (this.closed) return;
    delivery.attempts += 1;
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      const response = await fetch(address, { method: "POST", headers, body: "", signal: controller.signal });
      await response.arrayBuffer();
      delivery.httpStatus = response.status;
      const retry = RETRY_STATUSES.has(response.status) && delivery.attempts < MAX_ATTEMPTS;
      delivery.outcome = response.status < 300 ? "delivered" : retry ? "pending" : "failed";
      if (retry) this.retry(address, headers, delivery);
    } catch (error) {
      delivery.outcome = delivery.attempts < MAX_ATTEMPTS && !this.closed ? "pending" : "failed";
      if (!this.closed) {
        this.log.warn({ err: error, channelId: delivery.channelId }, "push notification failed");
        this.retry(address, headers, delivery);
      }
    } finally {
      this.inFlight.delete(controller);
    }
  }

  private retry(address: string, headers: Record<string, string>, delivery: Delivery): void {
    if (delivery.attempts >= MAX_ATTEMPTS) return;
    const backoff = FIRST_BACKOFF_MS * 2 ** (delivery.attempts - 1);
    this.schedule(backoff, () => this.attempt(address, headers, delivery));
  }

  private schedule(delayMs: number, run: () => Promise<void>): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void run();
    }, delayMs);
    this.timers.add(timer);
  }

  private record(delivery: Delivery): void {
    this.deliveries.push(delivery);
    if (this.deliveries.length > MAX_DELIVERY_LOG) this.deliveries.shift();
  }
}
