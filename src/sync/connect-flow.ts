import { randomBytes } from "node:crypto";
import * as oidc from "openid-client";
import type { AuditActor } from "../audit/record-audit.ts";
import type { SourceAccount, SourceError, SourceResult } from "../core/sync/calendar-source.ts";
import type { OAuthClient, OAuthTokens } from "../providers/oauth-client.ts";
import type { KeyRing } from "../secrets/key-ring.ts";
import { clearBusyForConnection } from "../store/busy-cache.ts";
import {
  type ConnectionRow,
  deleteConnection,
  findConnectionByAccount,
  getConnection,
  insertConnection,
  updateConnection,
} from "../store/connections-repository.ts";
import type { Database } from "../store/database.ts";
import type { HostId, TenantId } from "../store/ids.ts";
import { consumeOAuthState, insertOAuthState } from "../store/oauth-states-repository.ts";
import { listSyncStates, updateSyncState } from "../store/sync-states-repository.ts";
import type { ConnectionEvents } from "./connection-events.ts";
import { openOAuthCredentials, sealOAuthCredentials } from "./oauth-credentials.ts";

/**
 * The provider-neutral OAuth connect flow (authorization code + PKCE S256):
 * 1. `start` creates a `pending` connection and a single-use `state` (random, stored hashed, bound to tenant, host
 *    and connection, 10 minutes) and answers with the provider's authorize URL;
 * 2. the provider sends the browser to `/auth/{provider}/callback`; `complete` consumes the state, exchanges the
 *    code, stores the tokens encrypted, records the account and sends the browser back to the tenant's `returnUrl`
 *    with the outcome. Connecting an account the host already connected reuses that connection (and whatever is
 *    mapped to it); the fresh pending row is dropped.
 */
export type OAuthProviderKind = "microsoft" | "google";

export interface OAuthConnector {
  client: OAuthClient;
  readAccount(params: { accessToken: string; tokens: OAuthTokens }): Promise<SourceResult<SourceAccount>>;
  displayName: string;
  /**
   * Refuses a grant the service cannot work with (Google granular consent: a calendar scope unticked), answering
   * the error code the browser goes back with.
   */
  checkGrant?(tokens: OAuthTokens): string | undefined;
}

export interface ConnectFlowDeps {
  db: Database;
  keyRing: KeyRing;
  publicUrl: string;
  now: () => Date;
  events: ConnectionEvents;
  connectors: Partial<Record<OAuthProviderKind, OAuthConnector>>;
  requestSync(connectionId: string): Promise<unknown>;
  /** Stops the connection's push channels at the provider on disconnect, while its tokens still work. */
  stopChannels?(connection: ConnectionRow): Promise<void>;
  stateTtlMs?: number;
}

export function callbackUrlOf(publicUrl: string, provider: OAuthProviderKind): string {
  return `${publicUrl}/auth/${provider}/callback`;
}

export async function startConnect(
  deps: ConnectFlowDeps,
  params: {
    tenantId: TenantId;
    hostId: HostId;
    provider: OAuthProviderKind;
    returnUrl: string;
    loginHint?: string;
  },
): Promise<{ connection: ConnectionRow; authorizeUrl: string } | undefined> {
  const connector = deps.connectors[params.provider];
  if (!connector) return undefined;
  const connection = await insertConnection(deps.db, {
    tenantId: params.tenantId,
    hostId: params.hostId,
    provider: params.provider,
    displayName: connector.displayName,
    credentials: null,
    settings: {},
  });
  const state = randomBytes(32).toString("base64url");
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const now = deps.now();
  await insertOAuthState(deps.db, {
    tenantId: params.tenantId,
    hostId: params.hostId,
    connectionId: connection.id,
    provider: params.provider,
    codeVerifier: deps.keyRing.encrypt(codeVerifier),
    returnUrl: params.returnUrl,
    state,
    expiresAt: new Date(now.getTime() + (deps.stateTtlMs ?? 600_000)),
    now,
  });
  const authorizeUrl = await connector.client.buildAuthorizationUrl({
    redirectUri: callbackUrlOf(deps.publicUrl, params.provider),
    state,
    codeVerifier,
    ...(params.loginHint ? { loginHint: params.loginHint } : {}),
  });
  return { connection, authorizeUrl };
}

export type CallbackOutcome =
  /** No usable state: nothing to redirect to (it could be forged); the route shows a page. */
  | { kind: "invalid_state" }
  | {
      kind: "redirect";
      location: string;
      connectionId: string;
      status: "connected" | "failed";
      error?: string;
    };

function withOutcome(returnUrl: string, fields: Record<string, string>): string {
  const url = new URL(returnUrl);
  for (const [key, value] of Object.entries(fields)) url.searchParams.set(key, value);
  return url.href;
}

/** Provider error codes passed on to the returnUrl: the documented ones, anything else is `server_error`. */
const knownAuthorizeErrors = new Set([
  "access_denied",
  "consent_required",
  "interaction_required",
  "login_required",
  "invalid_request",
  "invalid_scope",
  "unauthorized_client",
  "server_error",
  "temporarily_unavailable",
]);

export async function completeConnect(
  deps: ConnectFlowDeps,
  params: { provider: OAuthProviderKind; query: URLSearchParams },
): Promise<CallbackOutcome> {
  const connector = deps.connectors[params.provider];
  const state = params.query.get("state");
  if (!connector || !state) return { kind: "invalid_state" };
  const attempt = await consumeOAuthState(deps.db, { state, provider: params.provider, now: deps.now() });
  if (!attempt) return { kind: "invalid_state" };
  const pending = await getConnection(deps.db, { tenantId: attempt.tenantId, id: attempt.connectionId });
  if (!pending) return { kind: "invalid_state" };
  const fail = async (error: string): Promise<CallbackOutcome> => {
    // A first attempt that failed leaves nothing behind; the host simply starts again.
    if (pending.status === "pending" && pending.accountId === null)
      await deleteConnection(deps.db, { tenantId: attempt.tenantId, hostId: attempt.hostId, id: pending.id });
    return {
      kind: "redirect",
      location: withOutcome(attempt.returnUrl, { status: "failed", error, connection: pending.id }),
      connectionId: pending.id,
      status: "failed",
      error,
    };
  };
  const providerError = params.query.get("error");
  if (providerError) return fail(knownAuthorizeErrors.has(providerError) ? providerError : "server_error");
  const callbackUrl = new URL(callbackUrlOf(deps.publicUrl, params.provider));
  for (const [key, value] of params.query) callbackUrl.searchParams.append(key, value);
  const exchanged = await connector.client.exchangeCode({
    callbackUrl,
    codeVerifier: deps.keyRing.decrypt(attempt.codeVerifier),
    expectedState: state,
  });
  if (!exchanged.ok) return fail(errorCodeOf(exchanged.error));
  const tokens = exchanged.value;
  const refused = connector.checkGrant?.(tokens);
  if (refused) {
    // A partial grant is not kept: revoked at once, so the next attempt asks for everything again.
    await connector.client.revoke?.({ token: tokens.refreshToken ?? tokens.accessToken });
    return fail(refused);
  }
  const account = await connector.readAccount({ accessToken: tokens.accessToken, tokens });
  if (!account.ok) return fail(errorCodeOf(account.error));
  const existing = await findConnectionByAccount(deps.db, {
    tenantId: attempt.tenantId,
    hostId: attempt.hostId,
    provider: params.provider,
    accountId: account.value.id,
  });
  const target = existing && existing.id !== pending.id ? existing : pending;
  if (target !== pending)
    await deleteConnection(deps.db, { tenantId: attempt.tenantId, hostId: attempt.hostId, id: pending.id });
  const now = deps.now();
  await updateConnection(
    deps.db,
    { tenantId: attempt.tenantId, id: target.id },
    {
      displayName: `${connector.displayName} (${account.value.email})`,
      accountId: account.value.id,
      accountEmail: account.value.email,
      accountKind: account.value.kind,
      credentials: sealOAuthCredentials(deps.keyRing, {
        kind: "oauth",
        accessToken: tokens.accessToken,
        ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
        expiresAt: tokens.expiresAt.toISOString(),
        ...(tokens.scope ? { scope: tokens.scope } : {}),
      }),
      tokenExpiresAt: tokens.expiresAt,
      settings: {
        ...target.settings,
        ...(account.value.timeZone ? { timeZone: account.value.timeZone } : {}),
      },
      updatedAt: now,
    },
  );
  await deps.events.move({
    connectionId: target.id,
    to: "connected",
    error: null,
    reconnect: true,
    actor: { kind: "oauth_callback", id: attempt.connectionId },
  });
  await deps.requestSync(target.id);
  return {
    kind: "redirect",
    location: withOutcome(attempt.returnUrl, { status: "connected", connection: target.id }),
    connectionId: target.id,
    status: "connected",
  };
}

function errorCodeOf(error: SourceError): string {
  if (error.kind === "auth_revoked") return "access_denied";
  if (error.kind === "unavailable" || error.kind === "rate_limited") return "temporarily_unavailable";
  return "server_error";
}

/**
 * Disconnect: push channels are stopped at the provider, the tokens and the cached busy time go, every calendar's
 * cursor and channel are forgotten, and the connection stays as `disconnected` so that reconnecting the same account
 * finds it again.
 */
export async function disconnect(
  deps: Pick<ConnectFlowDeps, "db" | "events" | "now" | "stopChannels"> &
    Partial<Pick<ConnectFlowDeps, "keyRing" | "connectors">>,
  connection: ConnectionRow,
  /** Who asked, for the audit log. */
  by?: { actor: AuditActor; requestId?: string },
): Promise<{ revoked: boolean }> {
  await deps.stopChannels?.(connection);
  // Disconnected first, then stopped again: from the moment the status changes no job can store a channel, so the
  // second pass sees every channel a job made while the first pass ran (its access token is usually still fresh).
  await deps.events.move({ connectionId: connection.id, to: "disconnected", error: null, ...by });
  await deps.stopChannels?.(connection);
  const revoked = await revokeGrant(deps, connection);
  await clearBusyForConnection(deps.db, { tenantId: connection.tenantId, connectionId: connection.id });
  for (const state of await listSyncStates(deps.db, connection.id)) {
    await updateSyncState(deps.db, state, {
      cursor: null,
      stagingCursor: null,
      contentHash: null,
      channel: null,
      updatedAt: deps.now(),
    });
  }
  await updateConnection(
    deps.db,
    { tenantId: connection.tenantId, id: connection.id },
    { credentials: null, tokenExpiresAt: null },
  );
  return { revoked };
}

/**
 * Revokes the grant at providers that can (Google: revoking the refresh token ends the whole grant), once the
 * channels are stopped. Best effort: a provider that is down leaves a grant nobody holds the tokens of any more.
 */
async function revokeGrant(
  deps: Partial<Pick<ConnectFlowDeps, "keyRing" | "connectors">>,
  connection: ConnectionRow,
): Promise<boolean> {
  if (connection.provider !== "microsoft" && connection.provider !== "google") return false;
  const revoke = deps.connectors?.[connection.provider]?.client.revoke;
  if (!revoke || !deps.keyRing) return false;
  const credentials = openOAuthCredentials(deps.keyRing, connection.credentials);
  const token = credentials?.refreshToken ?? credentials?.accessToken;
  if (!token) return false;
  return (await revoke({ token })).ok;
}
