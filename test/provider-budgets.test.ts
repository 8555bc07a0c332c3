import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProviderBudgetGate, providerBudgetsWith } from "../src/jobs/provider-budget-gate.ts";
import { withRequestBudget } from "../src/providers/budgeted-http.ts";
import { mapGraphFailure } from "../src/providers/microsoft/graph-errors.ts";
import { createProviderHttp } from "../src/providers/provider-http.ts";
import type { Store } from "../src/store/database.ts";
import { readProviderBudgets, takeProviderBudget } from "../src/store/provider-budgets.ts";
import { createTestTenant } from "./support/test-app.ts";
import { backends, openTestStore } from "./support/test-stores.ts";

/**
 * Provider request budgets: token buckets in the database, shared by every process, taken once per provider HTTP
 * request. One connection flooding its provider is held to its own budget and its tenant's share of the app's; the
 * other tenants' requests go on; a refusal says when to come back, and coming back then succeeds (work is delayed,
 * never dropped).
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

  const limits = providerBudgetsWith({
    microsoft: { connectionPerMinute: 5, connectionBurst: 5, tenantPerMinute: 8, appPerMinute: 20 },
  });
  const scopeOf = (tenantId: string) => ({
    connectionId: crypto.randomUUID(),
    tenantId,
    provider: "microsoft" as const,
  });

  it("holds a flooding connection and tenant to their budgets while other tenants' requests go on", async () => {
    const busy = await createTestTenant(store, "Busy");
    const quiet = await createTestTenant(store, "Quiet");
    const [flooding, sibling, other] = [
      scopeOf(busy.tenantId),
      scopeOf(busy.tenantId),
      scopeOf(quiet.tenantId),
    ];
    const counted: string[] = [];
    const gate = createProviderBudgetGate({
      db: store.db,
      limits,
      now: () => clock,
      count: ({ outcome }) => counted.push(outcome),
    });
    const flood = [];
    for (let i = 0; i < 50; i++) flood.push(await gate(flooding));
    expect(flood.filter((answer) => answer.ok)).toHaveLength(5);
    expect(flood[5]).toEqual({
      ok: false,
      retryAfterMs: 12_000,
      exhausted: `connection:${flooding.connectionId}`,
    });
    // The tenant's other connection has the rest of the tenant's share, and no more.
    const siblingAnswers = [];
    for (let i = 0; i < 10; i++) siblingAnswers.push(await gate(sibling));
    expect(siblingAnswers.filter((answer) => answer.ok)).toHaveLength(3);
    expect(siblingAnswers[3]).toMatchObject({ ok: false, exhausted: `tenant:${busy.tenantId}:microsoft` });
    // Another tenant still goes on: the app's budget was not used up by the busy one.
    for (let i = 0; i < 5; i++) expect(await gate(other)).toEqual({ ok: true });
    expect(counted.filter((outcome) => outcome === "taken")).toHaveLength(13);

    // Delayed, not dropped: at the time the refusal named, the flooding connection goes on.
    clock = new Date(t0.getTime() + 12_000);
    expect(await gate(flooding)).toEqual({ ok: true });
    expect(await gate(flooding)).toMatchObject({ ok: false });

    const budgets = await readProviderBudgets(store.db);
    expect(budgets.find((row) => row.key === `connection:${flooding.connectionId}`)).toMatchObject({
      used: 6,
    });
    expect(budgets.find((row) => row.key === "app:microsoft")?.used).toBe(14);
    // .ics feeds are not budgeted.
    expect(await gate({ ...flooding, provider: "ics" })).toEqual({ ok: true });
  });

  it("counts every provider HTTP request; a held one is not sent, maps to rate_limited, and goes once the budget refills", async () => {
    const tenant = await createTestTenant(store, "Requests");
    const scope = scopeOf(tenant.tenantId);
    let received = 0;
    const server = createServer((_request, response) => {
      received++;
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0/me/calendars`;
    try {
      const start = clock.getTime();
      const gate = createProviderBudgetGate({ db: store.db, limits, now: () => clock });
      const http = createProviderHttp({ provider: "microsoft" });
      const slept: number[] = [];
      const budgeted = withRequestBudget(http, {
        take: () => gate(scope),
        maxWaitMs: 0,
        sleep: async (ms) => {
          slept.push(ms);
        },
      });
      const get = () => budgeted.request({ account: "mailbox", method: "GET", url, idempotent: true });
      for (let i = 0; i < 5; i++) expect(await get()).toMatchObject({ kind: "response", status: 200 });
      expect(received).toBe(5);
      // The sixth is over the connection's budget: not sent, and the adapter sees "come back in 12 s".
      const held = await get();
      expect(held).toEqual({
        kind: "held",
        retryAfterMs: 12_000,
        budget: `connection:${scope.connectionId}`,
      });
      expect(received).toBe(5);
      expect(mapGraphFailure(held)).toMatchObject({ kind: "rate_limited", retryAfterMs: 12_000 });
      // Then, it goes.
      clock = new Date(start + 12_000);
      expect(await get()).toMatchObject({ kind: "response", status: 200 });
      expect(received).toBe(6);
      // A wait within maxWaitMs is slept through instead (here the sleep moves the clock on).
      const patient = withRequestBudget(http, {
        take: () => gate(scope),
        maxWaitMs: 60_000,
        sleep: async (ms) => {
          slept.push(ms);
          clock = new Date(clock.getTime() + ms);
        },
      });
      expect(
        await patient.request({ account: "mailbox", method: "GET", url, idempotent: true }),
      ).toMatchObject({
        kind: "response",
        status: 200,
      });
      expect(slept).toEqual([12_000]);
      expect(received).toBe(7);
    } finally {
      server.close();
    }
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
