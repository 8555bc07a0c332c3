import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProviderBudgetGate } from "../src/jobs/provider-budget-gate.ts";
import type { Store } from "../src/store/database.ts";
import { readProviderBudgets, takeProviderBudget } from "../src/store/provider-budgets.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

/**
 * Provider budgets: token buckets in the database, shared by every process. One connection flooding its provider
 * is held to its own budget and its tenant's share of the app's; the other tenants' syncs go on; a refusal says when
 * to come back, and coming back then succeeds (work is delayed, never dropped).
 */
describe.each(backends)("provider budgets on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const t0 = new Date("2030-01-01T00:00:00Z");
  let clock = t0;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
  });
  afterAll(async () => {
    await dispose();
  });

  async function connectionOf(tenantId: string): Promise<string> {
    const hostId = crypto.randomUUID();
    const connectionId = crypto.randomUUID();
    await store.executeSql("insert into hosts (id, tenant_id, name, time_zone) values ($1, $2, 'H', 'UTC')", [
      hostId,
      tenantId,
    ]);
    await store.executeSql(
      `insert into calendar_connections (id, tenant_id, host_id, provider, display_name, status)
       values ($1, $2, $3, 'microsoft', 'Microsoft 365', 'connected')`,
      [connectionId, tenantId, hostId],
    );
    return connectionId;
  }

  it("holds a flooding connection and tenant to their budgets while other tenants' syncs go on", async () => {
    const busy = await createTestTenant(store, "Busy");
    const quiet = await createTestTenant(store, "Quiet");
    const [flooding, sibling, other] = [
      await connectionOf(busy.tenantId),
      await connectionOf(busy.tenantId),
      await connectionOf(quiet.tenantId),
    ];
    const counted: string[] = [];
    const gate = createProviderBudgetGate({
      db: store.db,
      limits: { connectionPerMinute: 5, tenantPerMinute: 8, appPerMinute: 20 },
      now: () => clock,
      count: ({ outcome }) => counted.push(outcome),
    });
    const flood = [];
    for (let i = 0; i < 50; i++) flood.push(await gate(flooding));
    expect(flood.filter((answer) => answer.ok)).toHaveLength(5);
    expect(flood[5]).toEqual({ ok: false, retryAfterMs: 12_000, exhausted: `connection:${flooding}` });
    // The tenant's other connection has the rest of the tenant's share, and no more.
    const siblingAnswers = [];
    for (let i = 0; i < 10; i++) siblingAnswers.push(await gate(sibling));
    expect(siblingAnswers.filter((answer) => answer.ok)).toHaveLength(3);
    expect(siblingAnswers[3]).toMatchObject({ ok: false, exhausted: `tenant:${busy.tenantId}:microsoft` });
    // Another tenant still syncs: the app's budget was not used up by the busy one.
    for (let i = 0; i < 5; i++) expect(await gate(other)).toEqual({ ok: true });
    expect(counted.filter((outcome) => outcome === "taken")).toHaveLength(13);

    // Delayed, not dropped: at the time the refusal named, the flooding connection syncs again.
    clock = new Date(t0.getTime() + 12_000);
    expect(await gate(flooding)).toEqual({ ok: true });
    expect(await gate(flooding)).toMatchObject({ ok: false });

    const budgets = await readProviderBudgets(store.db);
    expect(budgets.find((row) => row.key === `connection:${flooding}`)).toMatchObject({ used: 6 });
    expect(budgets.find((row) => row.key === "app:microsoft")?.used).toBe(14);
  });

  it("gives out no more tokens than the bucket holds when many take at once", async () => {
    const answers = await Promise.all(
      Array.from({ length: 25 }, () =>
        takeProviderBudget(store.db, {
          buckets: [{ key: "race", capacity: 10, perMinute: 1 }],
          now: t0,
        }),
      ),
    );
    expect(answers.filter((answer) => answer.ok)).toHaveLength(10);
    const [row] = (await readProviderBudgets(store.db)).filter((budget) => budget.key === "race");
    expect(row).toMatchObject({ used: 10, delayed: 15 });
  });
});
