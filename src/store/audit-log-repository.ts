import { and, desc, eq, gte, lt, sql } from "drizzle-orm";
import type { Database } from "./database.ts";
import type { TenantId } from "./ids.ts";
import { auditLog } from "./schema.ts";

export type AuditRow = typeof auditLog.$inferSelect;

export interface AuditQuery {
  tenantId: TenantId;
  hostId?: string | undefined;
  action?: string | undefined;
  actorKind?: string | undefined;
  actorId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Keyset cursor: entries with a smaller id than this one (newest first). */
  before?: number | undefined;
  limit: number;
}

/** A tenant's entries, newest first, filtered; the id is the cursor (ids only grow). */
export async function listAuditEntries(db: Database, query: AuditQuery): Promise<AuditRow[]> {
  return db
    .select()
    .from(auditLog)
    .where(
      and(
        eq(auditLog.tenantId, query.tenantId),
        query.hostId ? eq(auditLog.hostId, query.hostId) : undefined,
        query.action ? eq(auditLog.action, query.action) : undefined,
        query.actorKind ? eq(auditLog.actorKind, query.actorKind) : undefined,
        query.actorId ? eq(auditLog.actorId, query.actorId) : undefined,
        query.from ? gte(auditLog.at, query.from) : undefined,
        query.to ? lt(auditLog.at, query.to) : undefined,
        query.before !== undefined ? lt(auditLog.id, query.before) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(query.limit);
}

/**
 * Retention: removes entries older than `before`. The append-only trigger allows a DELETE only of rows older than
 * the cutoff this transaction announces (a transaction-local setting), so nothing else can remove entries.
 */
export async function purgeAuditEntries(db: Database, params: { before: Date }): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('calbridge.audit_retention_before', ${params.before.toISOString()}, true)`,
    );
    const removed = await tx
      .delete(auditLog)
      .where(lt(auditLog.at, params.before))
      .returning({ id: auditLog.id });
    return removed.length;
  });
}
