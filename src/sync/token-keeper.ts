import { recordConnectionAudit } from "../audit/record-audit.ts";
import type { SourceError, SourceResult } from "../core/sync/calendar-source.ts";
import type { AccessTokenSource } from "../providers/access-token-source.ts";
import type { OAuthClient } from "../providers/oauth-client.ts";
import type { KeyRing } from "../secrets/key-ring.ts";
import {
  claimTokenRefresh,
  finishTokenRefresh,
  readConnectionCredentials,
} from "../store/connections-repository.ts";
import type { Database } from "../store/database.ts";
import { openOAuthCredentials, sealOAuthCredentials } from "./oauth-credentials.ts";

/**
 * Access tokens of OAuth connections, refreshed before they expire and **once per expiry across all processes**
 * (sync-failure-modes.md #8): in-process single-flight, a claim in the database that one process holds while it
 * refreshes, and a process that finds a fresh token stored by a peer simply uses it. On `invalid_grant` the row is
 * read again before the grant is declared dead (a peer may have rotated the refresh token meanwhile).
 */
export interface TokenKeeperDeps {
  db: Database;
  keyRing: KeyRing;
  now: () => Date;
  /** How long before expiry a token is refreshed. */
  marginMs?: number;
  /** How long one claim on a refresh lasts (a crashed refresher's claim expires). */
  claimTtlMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Refreshes started per connection, for tests and metrics. */
  onRefresh?: (connectionId: string) => void;
}

const inFlight = new Map<string, Promise<SourceResult<string>>>();

export function createTokenKeeper(
  deps: TokenKeeperDeps & {
    connectionId: string;
    oauth: OAuthClient;
    /** The grant is dead: the connection needs the host to connect again. */
    onAuthRevoked: (error: SourceError) => Promise<void>;
  },
): AccessTokenSource {
  const marginMs = deps.marginMs ?? 120_000;
  const claimTtlMs = deps.claimTtlMs ?? 30_000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const id = deps.connectionId;

  const fresh = (envelope: string | null, rejected?: string): string | undefined => {
    const credentials = openOAuthCredentials(deps.keyRing, envelope);
    if (!credentials || credentials.accessToken === rejected) return undefined;
    return Date.parse(credentials.expiresAt) - deps.now().getTime() > marginMs
      ? credentials.accessToken
      : undefined;
  };

  async function refreshOnce(rejected: string | undefined): Promise<SourceResult<string>> {
    const deadline = deps.now().getTime() + claimTtlMs * 2;
    for (;;) {
      const row = await readConnectionCredentials(deps.db, id);
      if (!row?.credentials)
        return { ok: false, error: { kind: "auth_revoked", message: "the connection has no tokens" } };
      if (row.status === "needs_reauth" || row.status === "disconnected")
        return {
          ok: false,
          error: { kind: "auth_revoked", message: "the connection needs to be connected again" },
        };
      const adopted = fresh(row.credentials, rejected);
      if (adopted) return { ok: true, value: adopted };
      const claimed = await claimTokenRefresh(deps.db, { id, now: deps.now(), ttlMs: claimTtlMs });
      if (!claimed) {
        // A peer is refreshing: wait for it to store the new token, then adopt it.
        if (deps.now().getTime() > deadline)
          return {
            ok: false,
            error: { kind: "unavailable", message: "the token refresh of another worker did not finish" },
          };
        await sleep(150);
        continue;
      }
      const peerToken = fresh(claimed.credentials, rejected);
      if (peerToken) {
        await finishTokenRefresh(deps.db, { id, at: deps.now() });
        return { ok: true, value: peerToken };
      }
      const credentials = openOAuthCredentials(deps.keyRing, claimed.credentials);
      if (!credentials?.refreshToken) {
        await finishTokenRefresh(deps.db, { id, at: deps.now() });
        const error = {
          kind: "auth_revoked",
          message: "no refresh token was granted: connect again",
        } as const;
        await deps.onAuthRevoked(error);
        return { ok: false, error };
      }
      deps.onRefresh?.(id);
      const refreshed = await deps.oauth.refresh({ refreshToken: credentials.refreshToken });
      await recordConnectionAudit(deps.db, {
        at: deps.now(),
        connectionId: id,
        actor: { kind: "system_job", id: "token-keeper" },
        action: refreshed.ok ? "token.refreshed" : "token.refresh_failed",
        outcome: refreshed.ok ? "success" : "failure",
        ...(refreshed.ok ? {} : { details: { errorKind: refreshed.error.kind } }),
      });
      if (refreshed.ok) {
        const tokens = refreshed.value;
        await finishTokenRefresh(deps.db, {
          id,
          at: deps.now(),
          tokenExpiresAt: tokens.expiresAt,
          credentials: sealOAuthCredentials(deps.keyRing, {
            kind: "oauth",
            accessToken: tokens.accessToken,
            // Providers that don't rotate (Google) send none: the old one stays valid.
            ...((tokens.refreshToken ?? credentials.refreshToken)
              ? { refreshToken: tokens.refreshToken ?? credentials.refreshToken }
              : {}),
            expiresAt: tokens.expiresAt.toISOString(),
            ...((tokens.scope ?? credentials.scope) ? { scope: tokens.scope ?? credentials.scope } : {}),
          }),
        });
        return { ok: true, value: tokens.accessToken };
      }
      await finishTokenRefresh(deps.db, { id, at: deps.now() });
      if (refreshed.error.kind === "auth_revoked") {
        // Re-read before declaring the grant dead: a peer may have stored a rotated refresh token meanwhile.
        const again = await readConnectionCredentials(deps.db, id);
        const rotated = openOAuthCredentials(deps.keyRing, again?.credentials ?? null);
        if (rotated?.refreshToken && rotated.refreshToken !== credentials.refreshToken) continue;
        await deps.onAuthRevoked(refreshed.error);
      }
      return refreshed;
    }
  }

  function singleFlight(rejected: string | undefined): Promise<SourceResult<string>> {
    const running = inFlight.get(id);
    if (running) return running;
    const started = refreshOnce(rejected).finally(() => inFlight.delete(id));
    inFlight.set(id, started);
    return started;
  }

  return {
    async current() {
      const row = await readConnectionCredentials(deps.db, id);
      const token = fresh(row?.credentials ?? null);
      return token ? { ok: true, value: token } : singleFlight(undefined);
    },
    refreshed(rejected) {
      return singleFlight(rejected);
    },
  };
}
