import { eq, isNotNull } from "drizzle-orm";
import { recordAudit } from "../audit/record-audit.ts";
import type { KeyRing } from "../secrets/key-ring.ts";
import type { Database } from "./database.ts";
import { calendarConnections, webhookEndpoints } from "./schema.ts";

/**
 * Every encrypted column in the schema. `calbridge keys rotate` re-seals each value under the ring's newest key;
 * a feature that adds an encrypted column adds it here (the rotation test checks each listed column).
 */
export const encryptedColumns = [
  {
    table: calendarConnections,
    id: calendarConnections.id,
    column: calendarConnections.credentials,
    field: "credentials",
  },
  { table: webhookEndpoints, id: webhookEndpoints.id, column: webhookEndpoints.secret, field: "secret" },
] as const;

export async function rotateSecrets(
  db: Database,
  keyRing: KeyRing,
): Promise<{ examined: number; rotated: number }> {
  let examined = 0;
  let rotated = 0;
  for (const entry of encryptedColumns) {
    await db.transaction(async (tx) => {
      const rows = await tx
        .select({ id: entry.id, value: entry.column })
        .from(entry.table)
        .where(isNotNull(entry.column))
        .for("update");
      for (const row of rows) {
        examined++;
        if (!row.value || keyRing.keyIdOf(row.value) === keyRing.currentKeyId) continue;
        const resealed = keyRing.encrypt(keyRing.decrypt(row.value));
        await tx
          .update(entry.table)
          .set({ [entry.field]: resealed })
          .where(eq(entry.id, row.id));
        rotated++;
      }
    });
  }
  // About the whole installation (no tenant): run by an operator with `calbridge keys rotate`.
  await recordAudit(db, {
    tenantId: null,
    actor: { kind: "operator" },
    action: "secrets.rotated",
    outcome: "success",
    details: { itemCount: rotated },
  });
  return { examined, rotated };
}
