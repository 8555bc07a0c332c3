import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestStore } from "../../test/support/test-stores.ts";
import { generateKeySpec, parseKeyRing } from "../secrets/key-ring.ts";
import type { Store } from "./database.ts";
import type { TenantId } from "./ids.ts";
import { rotateSecrets } from "./rotate-secrets.ts";
import { webhookEndpoints } from "./schema.ts";
import { createTenant } from "./tenants-repository.ts";
import { claimWebhookDelivery, disableWebhookEndpoint } from "./webhook-delivery-attempts.ts";
import {
  emitWebhookEvent,
  findDueWebhookDeliveries,
  getWebhookDelivery,
  insertWebhookEndpoint,
  listWebhookDeliveries,
  revealWebhookSecret,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type WebhookDeliveryId,
  type WebhookEndpointId,
} from "./webhooks-repository.ts";

describe.each(backends)("webhooks repository on %s", (backend) => {
  const oldSpec = generateKeySpec("old");
  const keyRing = parseKeyRing(oldSpec);
  const now = new Date("2030-03-04T09:00:00Z");
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
  });
  afterAll(async () => dispose?.());

  async function tenantWith(endpoints: Array<{ eventTypes?: string[]; enabled?: boolean }>) {
    const tenant = await createTenant(store.db, { name: `T ${Math.random()}` });
    const ids: WebhookEndpointId[] = [];
    for (const [index, spec] of endpoints.entries()) {
      const { endpoint } = await insertWebhookEndpoint(store.db, {
        tenantId: tenant.id,
        keyRing,
        input: { url: `https://example.com/${index}`, eventTypes: spec.eventTypes },
      });
      if (spec.enabled === false)
        await updateWebhookEndpoint(store.db, {
          tenantId: tenant.id,
          id: endpoint.id,
          patch: { enabled: false },
        });
      ids.push(endpoint.id);
    }
    return { tenantId: tenant.id, ids };
  }

  const emit = (tenantId: TenantId, type: string) =>
    emitWebhookEvent(store.db, { tenantId, type, data: { bookingId: "bk_1" }, now });

  it("emits to enabled endpoints that subscribe to the type (empty list: all), one message id per event", async () => {
    const { tenantId, ids } = await tenantWith([
      {},
      { eventTypes: ["booking.created"] },
      { eventTypes: ["booking.cancelled"] },
      { enabled: false },
    ]);
    const other = await tenantWith([{}]);
    const deliveryIds = await emit(tenantId, "booking.created");
    expect(deliveryIds).toHaveLength(2);
    const rows = await Promise.all(
      [ids[0], ids[1]].map(async (endpointId) => {
        const [row] = await listWebhookDeliveries(store.db, {
          tenantId,
          endpointId: endpointId!,
          limit: 10,
        });
        return row;
      }),
    );
    expect(rows.map((row) => row?.status)).toEqual(["pending", "pending"]);
    expect(rows[0]?.messageId).toMatch(/^msg_[A-Za-z0-9_-]{24}$/);
    expect(rows[0]?.messageId).toBe(rows[1]?.messageId);
    expect(rows[0]?.payload).toEqual({ timestamp: now.toISOString(), data: { bookingId: "bk_1" } });
    expect(await emit(tenantId, "connection.error")).toHaveLength(1);
    // Another tenant's endpoint never receives this tenant's events.
    expect(
      await listWebhookDeliveries(store.db, {
        tenantId: other.tenantId,
        endpointId: other.ids[0]!,
        limit: 10,
      }),
    ).toEqual([]);
    await expect(emit(tenantId, "booking.exploded")).rejects.toThrow(/unknown webhook event type/);
  });

  it("rolls the event back with the transaction it was emitted in", async () => {
    const { tenantId, ids } = await tenantWith([{}]);
    await expect(
      store.db.transaction(async (tx) => {
        await emitWebhookEvent(tx, { tenantId, type: "booking.created", data: {}, now });
        throw new Error("booking failed");
      }),
    ).rejects.toThrow("booking failed");
    expect(await listWebhookDeliveries(store.db, { tenantId, endpointId: ids[0]!, limit: 10 })).toEqual([]);
  });

  it("pages the delivery log newest first", async () => {
    const { tenantId, ids } = await tenantWith([{}]);
    const created: string[] = [];
    for (let minute = 0; minute < 5; minute++) {
      const at = new Date(now.getTime() + minute * 60_000);
      created.push(
        ...(await emitWebhookEvent(store.db, { tenantId, type: "booking.created", data: {}, now: at })),
      );
    }
    const page = (after?: WebhookDeliveryId) =>
      listWebhookDeliveries(store.db, { tenantId, endpointId: ids[0]!, limit: 2, after });
    const first = await page();
    const second = await page(first.at(-1)?.id);
    const third = await page(second.at(-1)?.id);
    expect([...first, ...second, ...third].map((row) => row.id)).toEqual([...created].reverse());
  });

  it("keeps the secret encrypted, reveals and rotates it, and re-seals it on key rotation", async () => {
    const { tenantId, ids } = await tenantWith([{}]);
    const id = ids[0]!;
    const secret = await revealWebhookSecret(store.db, { tenantId, id, keyRing });
    expect(secret).toMatch(/^whsec_/);
    const [stored] = await store.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    expect(stored?.secret).not.toContain(secret!.slice(6));
    expect(keyRing.decrypt(stored!.secret)).toBe(secret);

    const rotated = await rotateWebhookSecret(store.db, { tenantId, id, keyRing });
    expect(rotated).not.toBe(secret);
    expect(await revealWebhookSecret(store.db, { tenantId, id, keyRing })).toBe(rotated);
    const otherTenant = (await tenantWith([])).tenantId;
    expect(await revealWebhookSecret(store.db, { tenantId: otherTenant, id, keyRing })).toBeUndefined();
    expect(await rotateWebhookSecret(store.db, { tenantId: otherTenant, id, keyRing })).toBeUndefined();

    const newRing = parseKeyRing(`${oldSpec},${generateKeySpec("new")}`);
    await rotateSecrets(store.db, newRing);
    const [resealed] = await store.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    expect(newRing.keyIdOf(resealed!.secret)).toBe("new");
    expect(await revealWebhookSecret(store.db, { tenantId, id, keyRing: newRing })).toBe(rotated);
  });

  it("lets one job claim a due delivery at a time and closes pending ones of a disabled endpoint", async () => {
    const { tenantId, ids } = await tenantWith([{}]);
    const [deliveryId] = (await emit(tenantId, "booking.created")) as WebhookDeliveryId[];
    const claim = (at: Date) =>
      claimWebhookDelivery(store.db, { id: deliveryId!, now: at, leaseMs: 120_000, toleranceMs: 5_000 });
    expect((await claim(now))?.endpoint).toMatchObject({ id: ids[0], enabled: true });
    expect(await claim(now)).toBeUndefined(); // leased
    const later = new Date(now.getTime() + 121_000);
    expect(
      await findDueWebhookDeliveries(store.db, { now: later, createdBefore: later, limit: 10 }),
    ).toContain(deliveryId);
    expect(await claim(later)).toBeDefined(); // the lease ran out: a crashed attempt is recovered

    await disableWebhookEndpoint(store.db, { tenantId, id: ids[0]!, reason: "gone", now });
    const row = await getWebhookDelivery(store.db, { tenantId, endpointId: ids[0]!, id: deliveryId! });
    expect(row).toMatchObject({ status: "endpoint_disabled", nextAttemptAt: null });
    expect(await claim(new Date(now.getTime() + 3_600_000))).toBeUndefined();
  });
});
