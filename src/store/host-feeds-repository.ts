import { createHash, randomBytes } from "node:crypto";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Database } from "./database.ts";
import { type HostId, newId, type TenantId } from "./ids.ts";
import { hostFeeds } from "./schema.ts";

/**
 * Export feeds are capability URLs: whoever holds the token reads the host's calendar. Only the token's SHA-256 is
 * stored, so a database dump cannot be replayed as feed URLs; the token itself leaves this module once, on creation.
 */
export interface HostFeedRow {
  id: string;
  tenantId: TenantId;
  hostId: HostId;
  includeBusy: boolean;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A new feed and its token: the only moment the token exists outside the subscriber's calendar app. */
export interface IssuedHostFeed {
  feed: HostFeedRow;
  token: string;
}

/** 32 random bytes, base64url (43 characters): unguessable, and safe in a URL path without escaping. */
function newFeedToken(): string {
  return randomBytes(32).toString("base64url");
}

function hashFeedToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

const publicColumns = {
  id: hostFeeds.id,
  tenantId: hostFeeds.tenantId,
  hostId: hostFeeds.hostId,
  includeBusy: hostFeeds.includeBusy,
  createdAt: hostFeeds.createdAt,
  revokedAt: hostFeeds.revokedAt,
};

type FeedScope = { tenantId: TenantId; hostId: HostId };

function activeFeed(scope: FeedScope, feedId: string) {
  return and(
    eq(hostFeeds.tenantId, scope.tenantId),
    eq(hostFeeds.hostId, scope.hostId),
    eq(hostFeeds.id, feedId),
    isNull(hostFeeds.revokedAt),
  );
}

/** The caller has checked that the host belongs to the tenant (the foreign key alone would not). */
export async function createHostFeed(
  db: Database,
  params: FeedScope & { includeBusy: boolean; now: Date },
): Promise<IssuedHostFeed> {
  const token = newFeedToken();
  const [row] = await db
    .insert(hostFeeds)
    .values({
      id: newId(),
      tenantId: params.tenantId,
      hostId: params.hostId,
      tokenHash: hashFeedToken(token),
      includeBusy: params.includeBusy,
      createdAt: params.now,
    })
    .returning(publicColumns);
  return { feed: row as HostFeedRow, token };
}

/** The host's feeds that still answer, oldest first. */
export async function listHostFeeds(db: Database, scope: FeedScope): Promise<HostFeedRow[]> {
  const rows = await db
    .select(publicColumns)
    .from(hostFeeds)
    .where(
      and(
        eq(hostFeeds.tenantId, scope.tenantId),
        eq(hostFeeds.hostId, scope.hostId),
        isNull(hostFeeds.revokedAt),
      ),
    )
    .orderBy(asc(hostFeeds.createdAt), asc(hostFeeds.id));
  return rows as HostFeedRow[];
}

/** Revokes an active feed; undefined when there is none (unknown, another tenant's, or already revoked). */
export async function revokeHostFeed(
  db: Database,
  params: FeedScope & { feedId: string; now: Date },
): Promise<HostFeedRow | undefined> {
  const [row] = await db
    .update(hostFeeds)
    .set({ revokedAt: params.now })
    .where(activeFeed(params, params.feedId))
    .returning(publicColumns);
  return row as HostFeedRow | undefined;
}

/**
 * Replaces a feed's token: the old feed is revoked and a new one with the same settings issued, in one transaction,
 * so a failure leaves the old URL working rather than the host without a feed.
 */
export async function rotateHostFeed(
  db: Database,
  params: FeedScope & { feedId: string; now: Date },
): Promise<IssuedHostFeed | undefined> {
  return db.transaction(async (tx) => {
    const revoked = await revokeHostFeed(tx, params);
    if (!revoked) return undefined;
    return createHostFeed(tx, { ...params, includeBusy: revoked.includeBusy });
  });
}

/**
 * The active feed a token names. Unknown and revoked tokens cost the same (one hash, one indexed lookup on the
 * unique hash) and give the same answer, so the response tells an outsider nothing about which tokens once existed.
 */
export async function findFeedByToken(db: Database, token: string): Promise<HostFeedRow | undefined> {
  const [row] = await db
    .select(publicColumns)
    .from(hostFeeds)
    .where(and(eq(hostFeeds.tokenHash, hashFeedToken(token)), isNull(hostFeeds.revokedAt)));
  return row as HostFeedRow | undefined;
}
