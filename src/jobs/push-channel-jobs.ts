import type { ProviderKind } from "../core/sync/calendar-source.ts";
import { listConnectionsForChannels } from "../store/push-channels-repository.ts";
import { maintainChannels, type PushChannelDeps } from "../sync/push-channels.ts";
import type { JobEngine } from "./job-engine.ts";

export const CHANNELS_QUEUE = "calendar.channels";
export const CHANNELS_SWEEP_QUEUE = "calendar.channels.sweep";

interface ChannelWork {
  connectionId: string;
  reconcile?: boolean;
  reauthorize?: string[];
}

/**
 * `calendar.channels` looks after one connection's push channels (create, renew, repair, stop); its work is claimed
 * per calendar in the database, so any number of these may run at once in any process. `calendar.channels.sweep`
 * runs hourly and asks every working connection for a reconcile against the provider's own list, spread over ten
 * minutes so a large fleet does not list at once. Renewal also happens after every sync (see `afterSync`), so a
 * channel is looked at at least once per polling period.
 */
export async function registerPushChannelJobs(deps: {
  jobs: JobEngine;
  channels: PushChannelDeps;
}): Promise<void> {
  const providers = Object.keys(deps.channels.endpoints) as ProviderKind[];
  await deps.jobs.register<ChannelWork>({
    name: CHANNELS_QUEUE,
    retryLimit: 2,
    retryDelaySeconds: 60,
    async handle(data) {
      await maintainChannels(deps.channels, data);
    },
  });
  await deps.jobs.register<Record<string, never>>({
    name: CHANNELS_SWEEP_QUEUE,
    retryLimit: 0,
    async handle() {
      const connections = await listConnectionsForChannels(deps.channels.db, { providers, limit: 10_000 });
      for (const connectionId of connections)
        await enqueueChannelWork(
          deps.jobs,
          { connectionId, reconcile: true },
          Math.floor(Math.random() * 600),
        );
    },
  });
  await deps.jobs.boss.schedule(CHANNELS_SWEEP_QUEUE, "17 * * * *", {});
}

export async function enqueueChannelWork(
  jobs: JobEngine,
  work: ChannelWork,
  startAfterSeconds = 0,
): Promise<void> {
  await jobs.send(CHANNELS_QUEUE, work, startAfterSeconds > 0 ? { startAfter: startAfterSeconds } : {});
}
