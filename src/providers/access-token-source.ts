import type { SourceResult } from "../core/sync/calendar-source.ts";

/**
 * How an OAuth adapter gets its bearer token without knowing where tokens live: the sync layer implements it over
 * the database (refresh once per expiry across processes, src/sync/token-keeper.ts); tests can hand in a fixed
 * token. Adapters never see refresh tokens.
 */
export interface AccessTokenSource {
  /** A token valid for at least a minute (refreshed first if needed). */
  current(): Promise<SourceResult<string>>;
  /** The provider refused `rejected` (401): get a new one, unless a peer already did. */
  refreshed(rejected: string): Promise<SourceResult<string>>;
}

/** A token known to be fresh (just issued by the code exchange): nothing to refresh. */
export function fixedAccessToken(token: string): AccessTokenSource {
  const value = { ok: true, value: token } as const;
  return {
    current: async () => value,
    refreshed: async () => ({
      ok: false,
      error: { kind: "auth_revoked", message: "the new access token was refused" },
    }),
  };
}
