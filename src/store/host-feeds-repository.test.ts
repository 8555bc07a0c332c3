import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestStore } from "../../test/support/test-stores.ts";
import type { Store } from "./database.ts";
import {
  createHostFeed,
  findFeedByToken,
  listHostFeeds,
  revokeHostFeed,
  rotateHostFeed,
} from "./host-feeds-repository.ts";
import { insertHost } from "./hosts-repository.ts";
import type { HostId, TenantId } from "./ids.ts";
import { createTenant } from "./tenants-repository.ts";

describe.each(backends)("host feeds repository on %s", (backend) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let scope: { tenantId: TenantId; hostId: HostId };
  let otherScope: { tenantId: TenantId; hostId: HostId };
  const now = new Date("2030-02-28T12:00:00Z");

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(backend));
    const scopeIn = async (name: string) => {
      const tenant = await createTenant(store.db, { name });
      const host = await insertHost(store.db, tenant.id, { name: `${name} host`, timeZone: "UTC" });
      return { tenantId: tenant.id, hostId: host.id };
    };
    scope = await scopeIn("Feeds");
    otherScope = await scopeIn("Others");
  });
  afterAll(async () => dispose());

  it("stores only the token's SHA-256 and finds the feed by its token", async () => {
    const { feed, token } = await createHostFeed(store.db, { ...scope, includeBusy: true, now });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(feed).toMatchObject({ ...scope, includeBusy: true, createdAt: now, revokedAt: null });
    const stored = await store.executeSql("select token_hash from host_feeds where id = $1", [feed.id]);
    expect(stored.rows[0]!.token_hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(await findFeedByToken(store.db, token)).toEqual(feed);
    expect(await findFeedByToken(store.db, `${token.slice(0, -1)}x`)).toBeUndefined();
  });

  it("issues a different token every time", async () => {
    const tokens = await Promise.all(
      [1, 2, 3].map(
        async () => (await createHostFeed(store.db, { ...scope, includeBusy: false, now })).token,
      ),
    );
    expect(new Set(tokens).size).toBe(3);
  });

  it("revokes within the scope only, once", async () => {
    const { feed, token } = await createHostFeed(store.db, { ...scope, includeBusy: false, now });
    const later = new Date(now.getTime() + 60_000);
    expect(await revokeHostFeed(store.db, { ...otherScope, feedId: feed.id, now: later })).toBeUndefined();
    expect(await findFeedByToken(store.db, token)).toBeDefined();
    const revoked = await revokeHostFeed(store.db, { ...scope, feedId: feed.id, now: later });
    expect(revoked?.revokedAt).toEqual(later);
    expect(await revokeHostFeed(store.db, { ...scope, feedId: feed.id, now: later })).toBeUndefined();
    expect(await findFeedByToken(store.db, token)).toBeUndefined();
    const listed = await listHostFeeds(store.db, scope);
    expect(listed.map((row) => row.id)).not.toContain(feed.id);
    expect(listed.every((row) => row.revokedAt === null)).toBe(true);
  });

  it("rotates into a new feed with the same settings and retires the old token", async () => {
    const old = await createHostFeed(store.db, { ...scope, includeBusy: true, now });
    expect(await rotateHostFeed(store.db, { ...otherScope, feedId: old.feed.id, now })).toBeUndefined();
    const rotated = await rotateHostFeed(store.db, { ...scope, feedId: old.feed.id, now });
    expect(rotated).toBeDefined();
    expect(rotated!.feed.id).not.toBe(old.feed.id);
    expect(rotated!.token).not.toBe(old.token);
    expect(rotated!.feed.includeBusy).toBe(true);
    expect(await findFeedByToken(store.db, old.token)).toBeUndefined();
    expect((await findFeedByToken(store.db, rotated!.token))?.id).toBe(rotated!.feed.id);
    expect(await rotateHostFeed(store.db, { ...scope, feedId: old.feed.id, now })).toBeUndefined();
    expect(await listHostFeeds(store.db, otherScope)).toEqual([]);
  });
});
