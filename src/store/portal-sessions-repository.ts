import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNotNull, isNull, lt, or } from "drizzle-orm";
import type { Database } from "./database.ts";
import { type HostId, newId, type TenantId } from "./ids.ts";
import { portalLinks, portalSessions } from "./schema.ts";

/**
 * Host portal sign-in links and sessions. Tokens and session secrets are random 256-bit values handed out once;
 * only their SHA-256 is stored. A link is used up by one conditional update (single use even when clicked twice at
 * once); a session ends at its absolute expiry, after its idle time, or when revoked.
 */
export function newPortalSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function hashPortalSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("base64url");
}

export interface PortalIdentity {
  sessionId: string;
  tenantId: TenantId;
  hostId: HostId;
}

export async function createPortalLink(
  db: Database,
  params: { tenantId: TenantId; hostId: HostId; expiresAt: Date; now: Date },
): Promise<{ token: string; expiresAt: Date }> {
  const token = newPortalSecret();
  // Spent and expired links are of no use: dropped as new ones are made for the host.
  await db
    .delete(portalLinks)
    .where(
      and(
        eq(portalLinks.tenantId, params.tenantId),
        eq(portalLinks.hostId, params.hostId),
        or(lt(portalLinks.expiresAt, params.now), isNotNull(portalLinks.usedAt)),
      ),
    );
  await db.insert(portalLinks).values({
    id: newId(),
    tenantId: params.tenantId,
    hostId: params.hostId,
    tokenHash: hashPortalSecret(token),
    expiresAt: params.expiresAt,
  });
  return { token, expiresAt: params.expiresAt };
}

export type RedeemResult =
  | { ok: true; tenantId: TenantId; hostId: HostId }
  | { ok: false; reason: "invalid" | "used" | "expired" };

/** Uses a link up; says why when it can't (used and expired are told apart so the page can explain). */
export async function redeemPortalLink(
  db: Database,
  params: { token: string; now: Date },
): Promise<RedeemResult> {
  const tokenHash = hashPortalSecret(params.token);
  const [row] = await db
    .update(portalLinks)
    .set({ usedAt: params.now })
    .where(
      and(
        eq(portalLinks.tokenHash, tokenHash),
        isNull(portalLinks.usedAt),
        gt(portalLinks.expiresAt, params.now),
      ),
    )
    .returning({ tenantId: portalLinks.tenantId, hostId: portalLinks.hostId });
  if (row) return { ok: true, tenantId: row.tenantId as TenantId, hostId: row.hostId as HostId };
  const [known] = await db
    .select({ usedAt: portalLinks.usedAt })
    .from(portalLinks)
    .where(eq(portalLinks.tokenHash, tokenHash));
  if (!known) return { ok: false, reason: "invalid" };
  return { ok: false, reason: known.usedAt ? "used" : "expired" };
}

export async function createPortalSession(
  db: Database,
  params: { tenantId: TenantId; hostId: HostId; now: Date; expiresAt: Date },
): Promise<{ sessionId: string; secret: string }> {
  const secret = newPortalSecret();
  const sessionId = newId<string>();
  // A host's ended sessions are dropped as new ones start.
  await db
    .delete(portalSessions)
    .where(
      and(
        eq(portalSessions.tenantId, params.tenantId),
        eq(portalSessions.hostId, params.hostId),
        or(lt(portalSessions.expiresAt, params.now), lt(portalSessions.revokedAt, params.now)),
      ),
    );
  await db.insert(portalSessions).values({
    id: sessionId,
    tenantId: params.tenantId,
    hostId: params.hostId,
    secretHash: hashPortalSecret(secret),
    lastSeenAt: params.now,
    expiresAt: params.expiresAt,
  });
  return { sessionId, secret };
}

/**
 * The live session a cookie secret names, touched (its idle clock restarts) in the same statement: unknown, revoked,
 * expired and idle sessions all answer undefined.
 */
export async function touchPortalSession(
  db: Database,
  params: { secret: string; now: Date; idleMs: number },
): Promise<PortalIdentity | undefined> {
  const [row] = await db
    .update(portalSessions)
    .set({ lastSeenAt: params.now })
    .where(
      and(
        eq(portalSessions.secretHash, hashPortalSecret(params.secret)),
        isNull(portalSessions.revokedAt),
        gt(portalSessions.expiresAt, params.now),
        gt(portalSessions.lastSeenAt, new Date(params.now.getTime() - params.idleMs)),
      ),
    )
    .returning({ id: portalSessions.id, tenantId: portalSessions.tenantId, hostId: portalSessions.hostId });
  return row
    ? { sessionId: row.id, tenantId: row.tenantId as TenantId, hostId: row.hostId as HostId }
    : undefined;
}

/** Ends one session (sign-out) or every live session of a host; answers how many ended. */
export async function revokePortalSessions(
  db: Database,
  params: { tenantId: TenantId; hostId: HostId; sessionId?: string; now: Date },
): Promise<number> {
  const ended = await db
    .update(portalSessions)
    .set({ revokedAt: params.now })
    .where(
      and(
        eq(portalSessions.tenantId, params.tenantId),
        eq(portalSessions.hostId, params.hostId),
        params.sessionId ? eq(portalSessions.id, params.sessionId) : undefined,
        isNull(portalSessions.revokedAt),
        gt(portalSessions.expiresAt, params.now),
      ),
    )
    .returning({ id: portalSessions.id });
  return ended.length;
}
