import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestStore } from "../../test/support/test-stores.ts";
import type { Store } from "../store/database.ts";
import { newId } from "../store/ids.ts";
import { eventTypes } from "../store/schema.ts";
import { createTenant } from "../store/tenants-repository.ts";
import { horizonSyncWindow, horizonWindowDays, MIN_SYNC_WINDOW_DAYS } from "./horizon-window.ts";

const settings = { maxDays: 366, staleMinutes: 30 };

describe("the synced window follows the longest booking horizon", () => {
  it("adds the staleness allowance and a day, within the minimum and SYNC_WINDOW_DAYS", () => {
    expect(horizonWindowDays({ unbounded: false, days: 60 }, settings)).toBe(62);
    expect(horizonWindowDays({ unbounded: false, days: 60 }, { maxDays: 366, staleMinutes: 3 * 1440 })).toBe(
      64,
    );
    expect(horizonWindowDays({ unbounded: false, days: 7 }, settings)).toBe(MIN_SYNC_WINDOW_DAYS);
    expect(horizonWindowDays({ unbounded: false, days: null }, settings)).toBe(366);
    expect(horizonWindowDays({ unbounded: false, days: 2000 }, settings)).toBe(366);
    expect(horizonWindowDays({ unbounded: true, days: 60 }, settings)).toBe(366);
  });

  describe.each(backends)("read from the tenant's event types on %s", (backend) => {
    let store: Store;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ store, dispose } = await openTestStore(backend));
    }, 120_000);
    afterAll(async () => dispose());

    const addEventType = (tenantId: string, slug: string, horizon: unknown) =>
      store.db.insert(eventTypes).values({
        id: newId(),
        tenantId,
        slug,
        title: slug,
        durations: [30],
        mode: "single",
        rules: horizon === undefined ? {} : { horizon },
        questions: [],
      });

    it("rolling days, a fixed end date, no horizon at all, and another tenant's types left out", async () => {
      const now = new Date("2030-01-10T12:00:00Z");
      const window = horizonSyncWindow({ db: store.db, ...settings });
      const days = async (tenantId: string) => {
        const { from, to } = await window(now, tenantId as never);
        expect(from.getTime()).toBe(now.getTime() - 86_400_000);
        return (to.getTime() - now.getTime()) / 86_400_000;
      };
      const tenant = await createTenant(store.db, { name: "Horizons" });
      const other = await createTenant(store.db, { name: "Other" });
      expect(await days(tenant.id)).toBe(366);
      await addEventType(tenant.id, "short", { type: "rolling", days: 14 });
      await addEventType(tenant.id, "quarter", { type: "rolling", days: 90 });
      await addEventType(other.id, "long", { type: "rolling", days: 300 });
      expect(await days(tenant.id)).toBe(92);
      // Up to the end of 2030-06-30: 171.5 days after noon on 10 January, rounded up to 172, plus the 2-day allowance.
      await addEventType(tenant.id, "summer", {
        type: "fixed",
        startDate: "2030-01-01",
        endDate: "2030-06-30",
      });
      expect(await days(tenant.id)).toBe(174);
      await addEventType(tenant.id, "open", undefined);
      expect(await days(tenant.id)).toBe(366);
      expect(await days(other.id)).toBe(302);
    });
  });
});
