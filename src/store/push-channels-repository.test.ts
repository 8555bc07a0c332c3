import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestStore } from "../../test/support/test-stores.ts";
import { insertConnection, listConnectionsDue, transitionConnection } from "./connections-repository.ts";
import type { Store } from "./database.ts";
import { insertHost } from "./hosts-repository.ts";
import {
  claimChannel,
  findChannelOwners,
  forgetChannel,
  knownChannelIds,
  writeChannel,
} from "./push-channels-repository.ts";
import { ensureSyncState, updateSyncState } from "./sync-states-repository.ts";
import { createTenant } from "./tenants-repository.ts";

/** Channels in `calendar_sync_states.channel`, the per-calendar polling floor, and one needs_reauth reason. */
describe.each(backends)("push channels in the store on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const now = new Date("2030-01-10T12:00:00Z");
  const minutesAgo = (n: number) => new Date(now.getTime() - n * 60_000);
  const connections: string[] = [];

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    const tenant = await createTenant(store.db, { name: "Push" });
    const host = await insertHost(store.db, tenant.id, { name: "Host", timeZone: "UTC" });
    for (let i = 0; i < 3; i++) {
      const connection = await insertConnection(store.db, {
        tenantId: tenant.id,
        hostId: host.id,
        provider: "microsoft",
        displayName: `c${i}`,
        credentials: null,
        settings: {},
      });
      await transitionConnection(store.db, { id: connection.id, to: "connected", lastError: null, at: now });
      await ensureSyncState(store.db, {
        tenantId: tenant.id,
        connectionId: connection.id,
        calendarRef: "cal",
      });
      // Every calendar last pulled 3 minutes ago.
      await updateSyncState(
        store.db,
        { connectionId: connection.id, calendarRef: "cal" },
        {
          lastAttemptAt: minutesAgo(3),
        },
      );
      connections.push(connection.id);
    }
    const key = (i: number) => ({ connectionId: connections[i]!, calendarRef: "cal" });
    // 0: a live channel; 1: an expired one; 2: none.
    await writeChannel(
      store.db,
      key(0),
      { id: "live", secretHash: "h", expiresAt: "2030-01-12T00:00:00.000Z" },
      now,
    );
    await writeChannel(
      store.db,
      key(1),
      { id: "old", secretHash: "h", expiresAt: "2030-01-10T11:00:00.000Z" },
      now,
    );
  });
  afterAll(async () => dispose());

  it("polls calendars with a live channel on the longer floor, the others on the short one", async () => {
    const due = async (pushMinutes: number) =>
      (
        await listConnectionsDue(store.db, {
          providers: ["microsoft"],
          before: minutesAgo(1),
          limit: 10,
          withPush: { before: minutesAgo(pushMinutes), now },
        })
      ).sort();
    // 3 minutes since the last pull: due on the 1-minute floor, not on the 10-minute one.
    expect(await due(10)).toEqual([connections[1], connections[2]].sort());
    expect(await due(2)).toEqual([...connections].sort());
    // Without push the floor is the same for all.
    expect(
      (
        await listConnectionsDue(store.db, { providers: ["microsoft"], before: minutesAgo(1), limit: 10 })
      ).sort(),
    ).toEqual([...connections].sort());
  });

  it("finds channels by id, and only the ones held", async () => {
    const owners = await findChannelOwners(store.db, ["live", "old", "nobody"]);
    expect([...owners.keys()].sort()).toEqual(["live", "old"]);
    expect(owners.get("live")).toMatchObject({
      connectionId: connections[0],
      calendarRef: "cal",
      provider: "microsoft",
    });
    expect([...(await knownChannelIds(store.db, ["live", "nobody"]))]).toEqual(["live"]);
  });

  it("lets one process at a time work on a calendar's channel, until its claim expires", async () => {
    const key = { connectionId: connections[2]!, calendarRef: "cal" };
    const first = await claimChannel(store.db, { ...key, now, ttlMs: 60_000 });
    expect(first).toEqual({ channel: null });
    expect(await claimChannel(store.db, { ...key, now, ttlMs: 60_000 })).toBeUndefined();
    const later = new Date(now.getTime() + 61_000);
    expect(await claimChannel(store.db, { ...key, now: later, ttlMs: 60_000 })).toEqual({ channel: null });
    await writeChannel(
      store.db,
      key,
      { id: "made", secretHash: "h", expiresAt: "2030-01-12T00:00:00.000Z" },
      later,
    );
    expect(await claimChannel(store.db, { ...key, now: later, ttlMs: 60_000 })).toEqual({
      channel: { id: "made", secretHash: "h", expiresAt: "2030-01-12T00:00:00.000Z" },
    });
    await writeChannel(store.db, key, null, later);
  });

  it("forgets a removed channel only if it is still the one held", async () => {
    const key = { connectionId: connections[1]!, calendarRef: "cal" };
    await forgetChannel(store.db, { ...key, id: "someone-else" });
    expect((await findChannelOwners(store.db, ["old"])).size).toBe(1);
    await forgetChannel(store.db, { ...key, id: "old" });
    expect((await findChannelOwners(store.db, ["old"])).size).toBe(0);
  });

  it("keeps the first reason of needs_reauth when a peer reports the same state in vaguer words", async () => {
    const id = connections[2]!;
    await transitionConnection(store.db, {
      id,
      to: "needs_reauth",
      lastError: "Microsoft says: sign in again",
      at: now,
    });
    const again = await transitionConnection(store.db, {
      id,
      to: "needs_reauth",
      lastError: "the connection needs to be connected again",
      at: now,
    });
    expect(again?.connection.lastError).toBe("Microsoft says: sign in again");
    const reconnected = await transitionConnection(store.db, {
      id,
      to: "connected",
      lastError: null,
      at: now,
    });
    expect(reconnected?.connection.lastError).toBeNull();
  });
});
