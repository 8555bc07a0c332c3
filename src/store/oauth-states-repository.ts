import { createHash } from "node:crypto";
import { and, eq, gt, isNull, lt, or } from "drizzle-orm";
import type { Database } from "./database.ts";
import { type HostId, newId, type TenantId } from "./ids.ts";
import { oauthStates } from "./schema.ts";

/**
 * Connect attempts of the OAuth flow. Only the SHA-256 of a `state` is stored, so the table does not hold anything
 * that would let a reader complete someone's flow; consuming is one conditional update, so a state works once.
 */
export interface OAuthStateRow {
  tenantId: TenantId;
  hostId: HostId;
  connectionId: string;
  provider: string;
  /** Encrypted PKCE verifier. */
  codeVerifier: string;
  returnUrl: string;
}

export function hashState(state: string): string {
  return createHash("sha256").update(state).digest("base64url");
}

export async function insertOAuthState(
  db: Database,
  params: OAuthStateRow & { state: string; expiresAt: Date; now: Date },
): Promise<void> {
  // Expired attempts are of no use to anyone: dropped as new ones come.
  await db
    .delete(oauthStates)
    .where(or(lt(oauthStates.expiresAt, params.now), eq(oauthStates.connectionId, params.connectionId)));
  await db.insert(oauthStates).values({
    id: newId(),
    tenantId: params.tenantId,
    hostId: params.hostId,
    connectionId: params.connectionId,
    provider: params.provider,
    stateHash: hashState(params.state),
    codeVerifier: params.codeVerifier,
    returnUrl: params.returnUrl,
    expiresAt: params.expiresAt,
  });
}

/** Uses a state up: returns its attempt if it exists, belongs to the provider, is unexpired and unused. */
export async function consumeOAuthState(
  db: Database,
  params: { state: string; provider: string; now: Date },
): Promise<OAuthStateRow | undefined> {
  const [row] = await db
    .update(oauthStates)
    .set({ consumedAt: params.now })
    .where(
      and(
        eq(oauthStates.stateHash, hashState(params.state)),
        eq(oauthStates.provider, params.provider),
        isNull(oauthStates.consumedAt),
        gt(oauthStates.expiresAt, params.now),
      ),
    )
    .returning();
  if (!row) return undefined;
  return {
    tenantId: row.tenantId as TenantId,
    hostId: row.hostId as HostId,
    connectionId: row.connectionId,
    provider: row.provider,
    codeVerifier: row.codeVerifier,
    returnUrl: row.returnUrl,
  };
}
