import type { CalendarSource } from "../core/sync/calendar-source.ts";
import type { Logger } from "../observability/logger.ts";
import type { ConnectionRow } from "../store/connections-repository.ts";
import type { Database } from "../store/database.ts";
import type { HostId } from "../store/ids.ts";
import {
  ensureRoomState,
  forgetListMembers,
  listRoomStates,
  type RoomTarget,
  recordRoomFailure,
  roomsNamedThrough,
  storeRoomBusy,
} from "../store/resource-sync-repository.ts";

/**
 * Reads the busy time of the rooms event types name through a connection, with every sync of the connection (so on
 * the same polling floor as its calendars), over the same window. Room lists are expanded first. A room that cannot
 * be read keeps its old rows but not its freshness, so availability stops offering it once they are stale (fail
 * closed). Room failures never change the connection's own state: its calendars are fine.
 */
const PERSONAL: Record<string, string> = {
  microsoft:
    "rooms need a work or school Microsoft 365 account: getSchedule and /places are not available to personal accounts",
  google: "rooms need a Google Workspace account: personal Google accounts have no resource calendars",
};

export async function syncRooms(
  deps: { db: Database; logger: Logger; now: () => Date },
  params: { connection: ConnectionRow; source: CalendarSource; window: { from: Date; to: Date } },
): Promise<void> {
  const { connection, source } = params;
  if (!source.readRoomBusy) return;
  const target: RoomTarget = {
    tenantId: connection.tenantId,
    hostId: connection.hostId as HostId,
    connectionId: connection.id,
  };
  const named = await roomsNamedThrough(deps.db, target);
  if (named.emails.length === 0 && named.lists.length === 0) return;
  const now = deps.now();
  for (const email of named.emails) await ensureRoomState(deps.db, { ...target, email, now });
  for (const list of named.lists) {
    const members = source.listRooms ? await source.listRooms({ roomList: list }) : undefined;
    if (!members?.ok) {
      // The last known members are read meanwhile.
      deps.logger.warn(
        { connectionId: connection.id, list, error: members?.error.kind },
        "room list not read",
      );
      continue;
    }
    for (const room of members.value)
      await ensureRoomState(deps.db, { ...target, email: room.email, name: room.name, listEmail: list, now });
    await forgetListMembers(deps.db, {
      connectionId: connection.id,
      listEmail: list,
      keep: members.value.map((room) => room.email),
      now,
    });
  }
  const lists = new Set(named.lists);
  const explicit = new Set(named.emails);
  const emails = (await listRoomStates(deps.db, connection.id))
    .filter((state) => explicit.has(state.email) || (state.listEmail !== null && lists.has(state.listEmail)))
    .map((state) => state.email);
  if (emails.length === 0) return;
  const fail = async (message: string) => {
    for (const email of emails)
      await recordRoomFailure(deps.db, { connectionId: connection.id, email, error: message, now });
  };
  if (connection.accountKind === "personal")
    return fail(PERSONAL[connection.provider] ?? "rooms need a work account");
  const busy = await source.readRoomBusy({ emails, window: params.window });
  if (!busy.ok) {
    deps.logger.warn({ connectionId: connection.id, error: busy.error.kind }, "room busy time not read");
    return fail(`${busy.error.kind}: ${busy.error.message}`);
  }
  for (const room of busy.value) {
    if (room.ok) {
      await storeRoomBusy(deps.db, {
        ...target,
        email: room.email,
        window: params.window,
        intervals: room.intervals,
        now,
      });
    } else {
      await recordRoomFailure(deps.db, {
        connectionId: connection.id,
        email: room.email,
        error: room.message,
        now,
      });
    }
  }
}
