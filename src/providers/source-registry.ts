import type { SourceError } from "../core/sync/calendar-source.ts";
import type { OutboundGuard } from "../outbound/guarded-fetch.ts";
import type { KeyRing } from "../secrets/key-ring.ts";
import type { ConnectionRow } from "../store/connections-repository.ts";
import type { BudgetAnswer } from "../store/provider-budgets.ts";
import type { SourceFactory } from "../sync/sync-connection.ts";
import { createTokenKeeper, type TokenKeeperDeps } from "../sync/token-keeper.ts";
import { withRequestBudget } from "./budgeted-http.ts";
import { createCalDavCalendarSource } from "./caldav/caldav-calendar-source.ts";
import { createCalDavClient } from "./caldav/caldav-client.ts";
import { calDavStoredCredentialsSchema } from "./caldav/caldav-schemas.ts";
import { createGoogleCalendarSource } from "./google/google-calendar-source.ts";
import { createGoogleClient } from "./google/google-client.ts";
import { type FeedReader, sharedFeedReader } from "./ics/feed-worker-pool.ts";
import { createIcsFeedSource } from "./ics/ics-feed-source.ts";
import { createGraphCalendarSource } from "./microsoft/graph-calendar-source.ts";
import { createGraphClient } from "./microsoft/graph-client.ts";
import type { OAuthClient } from "./oauth-client.ts";
import type { ProviderHttp } from "./provider-http.ts";

/** What the adapters need from the service's configuration. */
export interface SourceSettings {
  keyRing: KeyRing;
  /** `reader` parses feeds off the event loop; without one, a process-wide pool with default budgets is used. */
  icsFeeds: { guard: OutboundGuard; maxBytes: number; timeoutMs: number; reader?: FeedReader };
  /** Set when Microsoft is configured (credentials, or the sandbox). */
  microsoft?: { oauth: OAuthClient; graphUrl: string; http: ProviderHttp };
  /** Set when Google is configured (credentials, or the sandbox). */
  google?: { oauth: OAuthClient; apiUrl: string; http: ProviderHttp };
  tokens: Omit<TokenKeeperDeps, "keyRing">;
  /** CalDAV servers: a provider HTTP layer whose fetch goes through the address policy. */
  caldav?: { http: ProviderHttp; now: () => Date };
  /**
   * Provider request budgets (src/jobs/provider-budget-gate.ts): when set, every request a connection's adapter
   * makes takes a token first (src/providers/budgeted-http.ts).
   */
  budget?: (scope: {
    connectionId: string;
    tenantId: string;
    provider: ConnectionRow["provider"];
  }) => Promise<BudgetAnswer>;
}

const notConfigured = (provider: string): SourceError => ({
  kind: "unavailable",
  message: `${provider} is not configured on this service`,
});

/**
 * Builds the calendar source for a stored connection: a typed, exhaustive switch over the providers (a new provider
 * that is not handled here fails to compile).
 */
export function createSourceFactory(settings: SourceSettings): SourceFactory {
  const { budget } = settings;
  /** The HTTP layer as one connection uses it: behind its request budgets when they are on. */
  const httpOf = (connection: ConnectionRow, http: ProviderHttp): ProviderHttp =>
    budget
      ? withRequestBudget(http, {
          take: () =>
            budget({
              connectionId: connection.id,
              tenantId: connection.tenantId,
              provider: connection.provider,
            }),
        })
      : http;
  return {
    build(connection: ConnectionRow, hooks) {
      switch (connection.provider) {
        case "ics": {
          if (!connection.credentials)
            return { ok: false, error: { kind: "invalid_data", message: "the feed connection has no URL" } };
          const url = settings.keyRing.decrypt(connection.credentials);
          return {
            ok: true,
            source: createIcsFeedSource({
              url,
              displayName: connection.displayName,
              fetch: settings.icsFeeds,
              reader: settings.icsFeeds.reader ?? sharedFeedReader(),
            }),
          };
        }
        case "microsoft": {
          const microsoft = settings.microsoft;
          if (!microsoft) return { ok: false, error: notConfigured("Microsoft 365") };
          const tokens = createTokenKeeper({
            ...settings.tokens,
            keyRing: settings.keyRing,
            connectionId: connection.id,
            oauth: microsoft.oauth,
            onAuthRevoked: hooks.onAuthRevoked,
          });
          const client = createGraphClient({
            graphUrl: microsoft.graphUrl,
            http: httpOf(connection, microsoft.http),
            // Graph's concurrency limit is per mailbox.
            account: connection.accountId ?? connection.id,
            tokens,
          });
          return {
            ok: true,
            source: createGraphCalendarSource({ client, accountEmail: connection.accountEmail }),
          };
        }
        case "caldav": {
          const caldav = settings.caldav;
          if (!caldav) return { ok: false, error: notConfigured("CalDAV") };
          let stored: unknown;
          try {
            stored = connection.credentials
              ? JSON.parse(settings.keyRing.decrypt(connection.credentials))
              : null;
          } catch {
            stored = null;
          }
          const credentials = calDavStoredCredentialsSchema.safeParse(stored);
          if (!credentials.success)
            return {
              ok: false,
              error: {
                kind: "auth_revoked",
                message: "the CalDAV connection has no credentials: connect again",
              },
            };
          const { username, password, homeUrl, serverUrl } = credentials.data;
          return {
            ok: true,
            source: createCalDavCalendarSource({
              client: createCalDavClient({
                http: httpOf(connection, caldav.http),
                credentials: { username, password },
                account: connection.id,
                serverUrl,
              }),
              homeUrl,
              organizerEmail: connection.accountEmail ?? username,
              now: caldav.now,
              reader: settings.icsFeeds.reader ?? sharedFeedReader(),
            }),
          };
        }
        case "google": {
          const google = settings.google;
          if (!google) return { ok: false, error: notConfigured("Google Calendar") };
          const tokens = createTokenKeeper({
            ...settings.tokens,
            keyRing: settings.keyRing,
            connectionId: connection.id,
            oauth: google.oauth,
            onAuthRevoked: hooks.onAuthRevoked,
          });
          const client = createGoogleClient({
            apiUrl: google.apiUrl,
            http: httpOf(connection, google.http),
            // Google's per-user quota: one budget per account.
            account: connection.accountId ?? connection.id,
            tokens,
          });
          return { ok: true, source: createGoogleCalendarSource({ client, now: settings.tokens.now }) };
        }
      }
    },
  };
}
