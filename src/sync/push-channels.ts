import { createHash } from "node:crypto";
import type { CalendarSource, ProviderKind, SourceError } from "../core/sync/calendar-source.ts";
import type { Logger } from "../observability/logger.ts";
import { type ConnectionRow, getConnectionForSync } from "../store/connections-repository.ts";
import type { Database } from "../store/database.ts";
import {
  claimChannel,
  knownChannelIds,
  readStoredChannel,
  type StoredChannel,
  writeChannel,
} from "../store/push-channels-repository.ts";
import { listSyncStates, type SyncStateRow } from "../store/sync-states-repository.ts";
import { hashChannelSecret, newChannelSecret } from "./channel-secret.ts";
import type { ConnectionEvents } from "./connection-events.ts";
import type { SourceFactory } from "./sync-connection.ts";

/**
 * Push channels, provider-neutral (sync-failure-modes.md #1, #2): one channel per blocking calendar, created when a
 * connection has synced, renewed with at least 20% of its lifetime left (staggered per channel so a fleet created
 * together does not renew together), replaced when expired, missing at the provider or pointing at an old URL, and
 * stopped when the calendar stops blocking or the host disconnects. A periodic reconcile lists the provider's
 * channels: ours that vanished are made again, and unknown ones that carry our notification URL are stopped.
 *
 * Push only makes a sync sooner: the polling floor stays (10 minutes while a calendar's channel is live, 1 minute
 * otherwise), so a channel that could not be made costs latency, never data. Failed creation backs off.
 */
export interface PushEndpoints {
  notificationUrl: string;
  lifecycleUrl: string;
}

export interface PushChannelDeps {
  db: Database;
  sources: SourceFactory;
  events: ConnectionEvents;
  logger: Logger;
  now: () => Date;
  /** Where each provider sends notifications; a provider without endpoints gets no channels (polling only). */
  endpoints: Partial<Record<ProviderKind, PushEndpoints>>;
  /** A new channel is followed by one sync, so a change made while it was being created is not missed. */
  requestSync(connectionId: string): Promise<unknown>;
  lifetimeMs?: number;
}

/**
 * 70 hours: under both documented maxima of Outlook event subscriptions (4,230 minutes in older docs, 10,080 now),
 * so the same request works whichever one a tenant's Graph applies.
 */
export const CHANNEL_LIFETIME_MS = 4_200 * 60_000;
const RENEW_FRACTION = 0.2;
const RENEW_STAGGER = 0.1;
const CLAIM_TTL_MS = 60_000;
/** An unknown channel this young may be a peer's that is not stored yet: the sweep leaves it for next time. */
const ORPHAN_GRACE_MS = 10 * 60_000;

/** Creation retries after 15 minutes, doubling up to 6 hours: a misconfigured PUBLIC_URL must not hammer Graph. */
function retryAfterFailureMs(failures: number): number {
  return Math.min(6 * 3_600_000, 15 * 60_000 * 2 ** Math.max(0, failures - 1));
}

/** A stable fraction in [0, 1) per channel id. */
function staggerOf(id: string): number {
  return createHash("sha256").update(id).digest().readUInt32BE(0) / 2 ** 32;
}

export type ChannelAction = "none" | "create" | "renew" | "replace" | "stop";

/** What one calendar's channel needs now. Pure, so the rules are tested as a table. */
export function planChannel(params: {
  channel: StoredChannel | null;
  /** Whether the calendar should have a channel (blocking, still listed, push on). */
  wanted: boolean;
  now: Date;
  notificationUrl: string;
  lifetimeMs: number;
  /** The provider's list, when this run reconciles: ids it holds, and when it was read. */
  listed?: { ids: Set<string>; at: Date };
  /** Channels the provider asked to renew (Graph reauthorizationRequired). */
  reauthorize?: Set<string>;
}): ChannelAction {
  const { channel, now } = params;
  const id = channel?.id;
  if (!params.wanted) return id ? "stop" : "none";
  if (!id) {
    if (!channel?.failedAt) return "create";
    const retryAt = Date.parse(channel.failedAt) + retryAfterFailureMs(channel.failures ?? 1);
    return now.getTime() >= retryAt ? "create" : "none";
  }
  const expiresAt = Date.parse(channel.expiresAt ?? "");
  if (Number.isNaN(expiresAt) || expiresAt <= now.getTime()) return "create";
  if (channel.notificationUrl !== params.notificationUrl) return "replace";
  const touched = Date.parse(channel.lastRenewedAt ?? channel.createdAt ?? "");
  if (params.listed && !params.listed.ids.has(id) && touched < params.listed.at.getTime()) return "create";
  if (params.reauthorize?.has(id)) return "renew";
  const lifetime = Number.isNaN(touched) ? params.lifetimeMs : Math.max(expiresAt - touched, 60_000);
  const renewWithin = lifetime * (RENEW_FRACTION + RENEW_STAGGER * staggerOf(id));
  return expiresAt - now.getTime() <= renewWithin ? "renew" : "none";
}

export interface ChannelReport {
  created: number;
  renewed: number;
  stopped: number;
  failed: number;
  orphansStopped: number;
}

/**
 * Brings one connection's channels in line with its blocking calendars. `reconcile` also lists the provider's
 * channels (drift and orphans); `reauthorize` names channels to renew at once.
 */
export async function maintainChannels(
  deps: PushChannelDeps,
  params: { connectionId: string; reconcile?: boolean; reauthorize?: string[] },
): Promise<ChannelReport> {
  const report: ChannelReport = { created: 0, renewed: 0, stopped: 0, failed: 0, orphansStopped: 0 };
  const loaded = await getConnectionForSync(deps.db, params.connectionId);
  if (!loaded) return report;
  const { connection } = loaded;
  const endpoints = deps.endpoints[connection.provider];
  if (!endpoints || (connection.status !== "connected" && connection.status !== "error")) return report;
  const source = buildSource(deps, connection);
  if (!source?.watch) return report;
  const states = await listSyncStates(deps.db, connection.id);
  let listed: { ids: Set<string>; at: Date; channels: Awaited<ReturnType<typeof listProvider>> } | undefined;
  if (params.reconcile) {
    const at = deps.now();
    const channels = await listProvider(source);
    if (channels) listed = { ids: new Set(channels.map((channel) => channel.id)), at, channels };
  }
  const reauthorize = new Set(params.reauthorize ?? []);
  for (const state of states) {
    const plan = (channel: StoredChannel | null) =>
      planChannel({
        channel,
        wanted: state.blocking && state.removedAt === null,
        now: deps.now(),
        notificationUrl: endpoints.notificationUrl,
        lifetimeMs: deps.lifetimeMs ?? CHANNEL_LIFETIME_MS,
        ...(listed ? { listed } : {}),
        reauthorize,
      });
    if (plan(readStoredChannel(state.channel)) === "none") continue;
    const claimed = await claimChannel(deps.db, { ...state, now: deps.now(), ttlMs: CLAIM_TTL_MS });
    if (!claimed) continue; // a peer is working on this calendar's channel right now
    // Decide again on the channel as claimed: a peer may have just made or renewed it.
    const action = plan(claimed.channel);
    if (action === "none") {
      await writeChannel(deps.db, state, claimed.channel, deps.now());
      continue;
    }
    const done = await applyAction(deps, { source, state, endpoints, action, previous: claimed.channel });
    report[done.outcome]++;
    // A dead grant fails every call alike: stop calling the provider.
    if (done.error?.kind === "auth_revoked") break;
  }
  if (listed) report.orphansStopped = await stopOrphans(deps, { source, endpoints, listed });
  if (report.created > 0) await deps.requestSync(connection.id);
  return report;
}

function buildSource(deps: PushChannelDeps, connection: ConnectionRow): CalendarSource | undefined {
  const built = deps.sources.build(connection, {
    onAuthRevoked: async (error) => {
      await deps.events.move({ connectionId: connection.id, to: "needs_reauth", error: error.message });
    },
  });
  return built.ok ? built.source : undefined;
}

async function listProvider(source: CalendarSource) {
  if (!source.listChannels) return undefined;
  const answer = await source.listChannels();
  return answer.ok ? answer.value : undefined;
}

async function applyAction(
  deps: PushChannelDeps,
  params: {
    source: CalendarSource;
    state: SyncStateRow;
    endpoints: PushEndpoints;
    action: Exclude<ChannelAction, "none">;
    previous: StoredChannel | null;
  },
): Promise<{ outcome: "created" | "renewed" | "stopped" | "failed"; error?: SourceError }> {
  const { source, state, previous } = params;
  const log = deps.logger.child({ connectionId: state.connectionId, calendar: state.calendarRef });
  const stop = async (channel: StoredChannel | null) => {
    if (!channel?.id || !source.unwatch) return;
    const stopped = await source.unwatch({
      channel: { id: channel.id, ...(channel.resourceId ? { resourceId: channel.resourceId } : {}) },
    });
    // Left to expire at the provider; the orphan sweep stops it if it outlives us.
    if (!stopped.ok) log.warn({ channel: channel.id, error: stopped.error.kind }, "push channel not stopped");
  };
  if (params.action === "stop") {
    await stop(previous);
    await writeChannel(deps.db, state, null, deps.now());
    log.info({ channel: previous?.id }, "push channel stopped");
    return { outcome: "stopped" };
  }
  if (params.action === "renew" && previous?.id && source.renewChannel) {
    const now = deps.now();
    const renewed = await source.renewChannel({
      channel: { id: previous.id, ...(previous.resourceId ? { resourceId: previous.resourceId } : {}) },
      expiresAt: new Date(now.getTime() + (deps.lifetimeMs ?? CHANNEL_LIFETIME_MS)),
    });
    if (renewed.ok) {
      await writeChannel(
        deps.db,
        state,
        { ...previous, expiresAt: renewed.value.expiresAt.toISOString(), lastRenewedAt: now.toISOString() },
        now,
      );
      log.info({ channel: previous.id, expiresAt: renewed.value.expiresAt }, "push channel renewed");
      return { outcome: "renewed" };
    }
    if (renewed.error.kind !== "not_found") {
      // Keep the channel: it is still live until it expires, and the next run tries again.
      await writeChannel(deps.db, state, previous, now);
      log.warn({ channel: previous.id, error: renewed.error.kind }, "push channel renewal failed");
      return { outcome: "failed", error: renewed.error };
    }
    // Gone at the provider (expired or removed): make a new one.
  }
  const now = deps.now();
  const secret = newChannelSecret();
  const made = await source.watch!({
    calendarRef: state.calendarRef,
    notificationUrl: params.endpoints.notificationUrl,
    lifecycleUrl: params.endpoints.lifecycleUrl,
    secret,
    expiresAt: new Date(now.getTime() + (deps.lifetimeMs ?? CHANNEL_LIFETIME_MS)),
  });
  if (!made.ok) {
    if (previous?.id && Date.parse(previous.expiresAt ?? "") > now.getTime()) {
      // The channel this one was to replace still lives: keep it (and keep knowing it, so it can be stopped).
      await writeChannel(deps.db, state, previous, now);
      log.warn(
        { channel: previous.id, error: made.error.kind },
        "push channel not replaced; the old one stays",
      );
      return { outcome: "failed", error: made.error };
    }
    const failures = (previous?.id ? 0 : (previous?.failures ?? 0)) + 1;
    await writeChannel(
      deps.db,
      state,
      { failedAt: now.toISOString(), failures, lastError: `${made.error.kind}: ${made.error.message}` },
      now,
    );
    log.warn(
      { error: made.error.kind, message: made.error.message, failures },
      "push channel could not be created; the calendar is polled every minute meanwhile",
    );
    return { outcome: "failed", error: made.error };
  }
  const stored = await writeChannel(
    deps.db,
    state,
    {
      id: made.value.id,
      ...(made.value.resourceId ? { resourceId: made.value.resourceId } : {}),
      ...(made.value.resource ? { resource: made.value.resource } : {}),
      notificationUrl: params.endpoints.notificationUrl,
      expiresAt: made.value.expiresAt.toISOString(),
      secretHash: hashChannelSecret(secret),
      createdAt: now.toISOString(),
      lastRenewedAt: null,
    },
    now,
  );
  if (!stored) {
    // Disconnected while the channel was being made: it must not outlive the connection.
    await stop({
      id: made.value.id,
      ...(made.value.resourceId ? { resourceId: made.value.resourceId } : {}),
    });
    return { outcome: "stopped" };
  }
  // Renewing by replacement (providers without renewChannel) or moving to a new URL: the old one goes last, so
  // there is never a gap without a channel.
  if (previous?.id && previous.id !== made.value.id) await stop(previous);
  log.info({ channel: made.value.id, expiresAt: made.value.expiresAt }, "push channel created");
  return { outcome: "created" };
}

/** Stops provider channels that carry our URL but that no calendar holds (a crash between create and store). */
async function stopOrphans(
  deps: PushChannelDeps,
  params: {
    source: CalendarSource;
    endpoints: PushEndpoints;
    listed: { channels: Awaited<ReturnType<typeof listProvider>>; at: Date };
  },
): Promise<number> {
  const ours = (params.listed.channels ?? []).filter(
    (channel) => channel.notificationUrl === params.endpoints.notificationUrl,
  );
  const known = await knownChannelIds(
    deps.db,
    ours.map((channel) => channel.id),
  );
  const youngest = params.listed.at.getTime() + (deps.lifetimeMs ?? CHANNEL_LIFETIME_MS) - ORPHAN_GRACE_MS;
  let stopped = 0;
  for (const channel of ours) {
    if (known.has(channel.id)) continue;
    if (!channel.expiresAt || channel.expiresAt.getTime() > youngest) continue;
    const answer = await params.source.unwatch?.({ channel });
    if (answer?.ok) stopped++;
    deps.logger.info({ channel: channel.id, stopped: answer?.ok ?? false }, "orphan push channel stopped");
  }
  return stopped;
}

/** Disconnect: stops every channel of the connection at the provider while its tokens still work. */
export async function stopChannels(
  deps: Pick<PushChannelDeps, "sources" | "events" | "logger" | "db">,
  connection: ConnectionRow,
): Promise<void> {
  const states = await listSyncStates(deps.db, connection.id);
  const channels = states.map((state) => readStoredChannel(state.channel)).filter((c) => c?.id);
  if (channels.length === 0) return;
  const built = deps.sources.build(connection, { onAuthRevoked: async () => {} });
  if (!built.ok || !built.source.unwatch) return;
  for (const channel of channels) {
    const answer = await built.source.unwatch({
      channel: { id: channel!.id!, ...(channel!.resourceId ? { resourceId: channel!.resourceId } : {}) },
    });
    if (!answer.ok)
      deps.logger.warn(
        { connectionId: connection.id, channel: channel!.id, error: answer.error.kind },
        "push channel not stopped at disconnect; it expires on its own",
      );
  }
}

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]"]);

export function isLoopbackUrl(value: string): boolean {
  const { hostname } = new URL(value);
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * The URLs a provider sends notifications to, under PUBLIC_URL, or why push is off. Graph requires HTTPS (and a
 * URL it can reach: it validates it on every create); the sandbox also accepts plain http on loopback, which
 * `allowLoopbackHttp` permits when the provider API itself is a local emulator.
 */
export function pushEndpointsOf(params: {
  publicUrl: string;
  provider: ProviderKind;
  allowLoopbackHttp: boolean;
}): { ok: true; endpoints: PushEndpoints } | { ok: false; reason: string } {
  const url = new URL(params.publicUrl);
  const loopbackHttp = url.protocol === "http:" && isLoopbackUrl(params.publicUrl);
  if (url.protocol !== "https:" && !(params.allowLoopbackHttp && loopbackHttp)) {
    return {
      ok: false,
      reason: `PUBLIC_URL (${url.origin}) is not https, so ${params.provider} cannot deliver change notifications`,
    };
  }
  const base = `${params.publicUrl.replace(/\/+$/, "")}/webhooks/${params.provider}`;
  return {
    ok: true,
    endpoints: { notificationUrl: `${base}/notifications`, lifecycleUrl: `${base}/lifecycle` },
  };
}
