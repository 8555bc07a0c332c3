import { describe, expect, it } from "vitest";
import { backends, openTestStore } from "../../test/support/test-stores.ts";
import { generateKeySpec, parseKeyRing } from "../secrets/key-ring.ts";
import { insertHost } from "./hosts-repository.ts";
import { newId } from "./ids.ts";
import { encryptedColumns, rotateSecrets } from "./rotate-secrets.ts";
import { calendarConnections } from "./schema.ts";
import { createTenant } from "./tenants-repository.ts";

describe.each(backends)("keys rotate on %s", (backend) => {
  it("re-encrypts every stored secret under the newest key and keeps the plaintext", async () => {
    const { store, dispose } = await openTestStore(backend);
    try {
      const oldSpec = generateKeySpec("old");
      const oldRing = parseKeyRing(oldSpec);
      const tenant = await createTenant(store.db, { name: "Rot" });
      const host = await insertHost(store.db, tenant.id, { name: "H", timeZone: "UTC" });
      const secrets = ["refresh-token-1", "caldav-password-ü", "https://feeds.example.com/private/abc.ics"];
      for (const secret of secrets) {
        await store.db.insert(calendarConnections).values({
          id: newId(),
          tenantId: tenant.id,
          hostId: host.id,
          provider: "ics",
          displayName: "c",
          credentials: oldRing.encrypt(secret),
        });
      }
      const newRing = parseKeyRing(`${oldSpec},${generateKeySpec("new")}`);
      expect(await rotateSecrets(store.db, newRing)).toEqual({ examined: 3, rotated: 3 });
      const rows = await store.db.select().from(calendarConnections);
      expect(rows.map((row) => newRing.keyIdOf(row.credentials!))).toEqual(["new", "new", "new"]);
      expect(rows.map((row) => newRing.decrypt(row.credentials!)).sort()).toEqual([...secrets].sort());
      // Running again changes nothing.
      expect(await rotateSecrets(store.db, newRing)).toEqual({ examined: 3, rotated: 0 });
      expect(encryptedColumns.length).toBeGreaterThan(0);
    } finally {
      await dispose();
    }
  });
});
