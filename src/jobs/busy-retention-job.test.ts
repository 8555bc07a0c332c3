import pino from "pino";
import { describe, expect, it } from "vitest";
import { openTestStore } from "../../test/support/test-stores.ts";
import { insertHost } from "../store/hosts-repository.ts";
import { newId } from "../store/ids.ts";
import { busyIntervals, calendarConnections } from "../store/schema.ts";
import { createTenant } from "../store/tenants-repository.ts";
import { BUSY_RETENTION_QUEUE, registerBusyRetentionJob } from "./busy-retention-job.ts";
import { startJobEngine } from "./job-engine.ts";

describe("busy retention job", () => {
  it("is scheduled hourly and deletes rows that ended more than a day before its clock", async () => {
    const { store, dispose } = await openTestStore("pglite");
    const jobs = await startJobEngine({
      store,
      logger: pino({ level: "silent" }),
      pollingIntervalSeconds: 0.5,
    });
    try {
      const now = new Date("2030-03-10T12:00:00Z");
      await registerBusyRetentionJob({
        jobs,
        db: store.db,
        logger: pino({ level: "silent" }),
        now: () => now,
      });
      const schedules = await jobs.boss.getSchedules();
      expect(schedules.map((schedule) => [schedule.name, schedule.cron])).toContainEqual([
        BUSY_RETENTION_QUEUE,
        "41 * * * *",
      ]);
      const tenant = await createTenant(store.db, { name: "Retention job" });
      const host = await insertHost(store.db, tenant.id, { name: "H", timeZone: "UTC" });
      const connectionId = newId();
      await store.db.insert(calendarConnections).values({
        id: connectionId,
        tenantId: tenant.id,
        hostId: host.id,
        provider: "ics",
        displayName: "F",
      });
      const row = (sourceRef: string, endAt: string) => ({
        id: newId(),
        tenantId: tenant.id,
        hostId: host.id,
        connectionId,
        calendarRef: "cal",
        startAt: new Date(Date.parse(endAt) - 3_600_000),
        endAt: new Date(endAt),
        status: "busy",
        sourceRef,
      });
      // Ended 25 hours before the job's clock: gone. Ended 23 hours before: kept.
      await store.db
        .insert(busyIntervals)
        .values([row("old", "2030-03-09T11:00:00Z"), row("recent", "2030-03-09T13:00:00Z")]);
      await jobs.send(BUSY_RETENTION_QUEUE, {});
      const deadline = Date.now() + 30_000;
      let left: string[] = [];
      do {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const { rows } = await store.executeSql("select source_ref from busy_intervals", []);
        left = rows.map((r) => r.source_ref as string);
      } while (left.includes("old") && Date.now() < deadline);
      expect(left).toEqual(["recent"]);
    } finally {
      await jobs.stop({ timeoutMs: 1000 });
      await dispose();
    }
  });
});
