import type { OAuthProviderSettings } from "../oauth-client.ts";
import { mapEntraTokenFailure } from "./graph-errors.ts";

/**
 * Entra ID (Microsoft identity platform v2.0) as an OAuth provider (provider-protocols Part 1).
 *
 * Scopes, kept to what is used: `offline_access` (a refresh token), `User.Read` (who connected: /me),
 * `Calendars.ReadWrite` (busy time, bookings written into the calendar) and `MailboxSettings.Read` (the mailbox
 * zone all-day events live in); `Place.Read.All` only when rooms are configured (it needs admin consent). No
 * `openid`/`profile`/`email`: nobody signs in to Calbridge with Microsoft, so no ID token is needed; the account
 * comes from Graph `/me`. `client_info=1` on token requests names the home tenant, which tells work/school accounts
 * from personal ones.
 */
export interface MicrosoftSettings {
  clientId: string;
  clientSecret: string | undefined;
  /** common, organizations, consumers or a tenant id/domain. */
  tenant: string;
  /** https://login.microsoftonline.com, or the sandbox. */
  loginUrl: string;
  /** https://graph.microsoft.com/v1.0, or the sandbox. */
  graphUrl: string;
  /** Whether event types may name rooms (adds Place.Read.All). */
  rooms: boolean;
}

export const MICROSOFT_SCOPES = [
  "offline_access",
  "User.Read",
  "Calendars.ReadWrite",
  "MailboxSettings.Read",
] as const;

export function microsoftOAuthSettings(settings: MicrosoftSettings): OAuthProviderSettings {
  const authority = `${settings.loginUrl.replace(/\/+$/, "")}/${encodeURIComponent(settings.tenant)}`;
  return {
    provider: "microsoft",
    issuer: `${authority}/v2.0`,
    authorizationEndpoint: `${authority}/oauth2/v2.0/authorize`,
    tokenEndpoint: `${authority}/oauth2/v2.0/token`,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    scopes: settings.rooms ? [...MICROSOFT_SCOPES, "Place.Read.All"] : MICROSOFT_SCOPES,
    // select_account: a host with several Microsoft accounts picks the one to connect, rather than the one the
    // browser happens to be signed in with.
    authorizeParams: { prompt: "select_account" },
    tokenParams: { client_info: "1" },
    mapTokenFailure: mapEntraTokenFailure,
  };
}
