import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestStore } from "../../test/support/test-stores.ts";
import { deletePastBusyRows } from "./busy-retention.ts";
import type { Store } from "./database.ts";
import { insertHost } from "./hosts-repository.ts";
import { newId } from "./ids.ts";
import { busyIntervals, calendarConnections } from "./schema.ts";
import { createTenant } from "./tenants-repository.ts";

describe.each(backends)("past busy rows on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
  });
  afterAll(() => dispose());

  it("deletes rows that ended before the cutoff, in batches, and keeps the rest", async () => {
    const tenant = await createTenant(store.db, { name: "Retention" });
    const host = await insertHost(store.db, tenant.id, { name: "H", timeZone: "UTC" });
    const connectionId = newId();
    await store.db.insert(calendarConnections).values({
      id: connectionId,
      tenantId: tenant.id,
      hostId: host.id,
      provider: "ics",
      displayName: "Feed",
    });
    const cutoff = Date.parse("2030-03-01T00:00:00Z");
    const hour = 3_600_000;
    // 25 rows ending before the cutoff, one ending exactly at it, one spanning it, one after.
    const spans = [
      ...Array.from({ length: 25 }, (_, n) => [cutoff - (n + 2) * hour, cutoff - (n + 1) * hour]),
      [cutoff - hour, cutoff],
      [cutoff - hour, cutoff + hour],
      [cutoff + hour, cutoff + 2 * hour],
    ] as Array<[number, number]>;
    await store.db.insert(busyIntervals).values(
      spans.map(([start, end], n) => ({
        id: newId(),
        tenantId: tenant.id,
        hostId: host.id,
        connectionId,
        calendarRef: "cal",
        startAt: new Date(start),
        endAt: new Date(end),
        status: "busy",
        sourceRef: `event-${n}`,
      })),
    );
    expect(await deletePastBusyRows(store.db, { before: new Date(cutoff), batchSize: 10 })).toBe(25);
    const { rows } = await store.executeSql(
      "select end_at from busy_intervals where host_id = $1 order by end_at",
      [host.id],
    );
    expect(rows.map((row) => new Date(row.end_at as string).getTime())).toEqual([
      cutoff,
      cutoff + hour,
      cutoff + 2 * hour,
    ]);
    expect(await deletePastBusyRows(store.db, { before: new Date(cutoff) })).toBe(0);
  });
});
