import { connectionsListedShort } from "../store/calendars-listed-short.ts";
import type { Database } from "../store/database.ts";
import type { TenantId } from "../store/ids.ts";

/** Slack for the window rolling with `now` between the last sync and this check: a day short is not short. */
const ROLLING_SLACK_MS = 86_400_000;

/**
 * Called after a tenant's event types change: when the synced window (sized by the longest horizon) now reaches
 * past what a connection's calendars were last listed over, that connection is synced (through the job engine), so
 * the time availability withholds there (fail closed) is offered once the sync has read it.
 */
export function horizonResync(deps: {
  db: Database;
  window: (now: Date, tenantId: TenantId) => { from: Date; to: Date } | Promise<{ from: Date; to: Date }>;
  now: () => Date;
  requestSync: (connectionId: string) => Promise<unknown>;
}) {
  return async (tenantId: TenantId): Promise<void> => {
    const window = await deps.window(deps.now(), tenantId);
    const until = new Date(window.to.getTime() - ROLLING_SLACK_MS);
    for (const connectionId of await connectionsListedShort(deps.db, { tenantId, until }))
      await deps.requestSync(connectionId);
  };
}
