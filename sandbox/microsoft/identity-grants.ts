import { newOpaqueToken } from "./ids.ts";
import type { MicrosoftSandboxState } from "./state.ts";

export const GRAPH_RESOURCE = "https://graph.microsoft.com/";
export const OIDC_SCOPES = ["openid", "profile", "email", "offline_access"];
/** Personal Microsoft accounts all live in this tenant; id_tokens carry it as `tid`. */
export const MSA_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad";
/** Place.Read.All needs admin consent (reference 1.1). */
export const ADMIN_CONSENT_SCOPES = ["Place.Read.All"];
/** Roles an app-only (client_credentials) token carries: the seeded app's admin-granted permissions. */
export const APPLICATION_ROLES = [
  "Calendars.ReadWrite",
  "MailboxSettings.Read",
  "User.Read.All",
  "Place.Read.All",
];
export const ACCESS_TOKEN_SECONDS = 3599;
export const CODE_LIFETIME_MS = 10 * 60_000;
export const REFRESH_IDLE_MS = 90 * 86_400_000;
export const SPA_REFRESH_MS = 24 * 3_600_000;

export interface AuthCode {
  code: string;
  clientId: string;
  redirectUri: string;
  mailboxId: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: "S256" | "plain";
  nonce: string | null;
  expiresAt: number;
  redeemed: boolean;
}

export interface AccessGrant {
  clientId: string;
  /** null for app-only tokens. */
  mailboxId: string | null;
  tenantId: string;
  /** Short Graph scope names, e.g. "Calendars.ReadWrite". */
  scopes: string[];
  expiresAt: number;
}

export interface RefreshGrant {
  token: string;
  clientId: string;
  mailboxId: string;
  scopes: string[];
  issuedAt: number;
  lastUsedAt: number;
  spa: boolean;
  revoked: { aadsts: number; message: string } | null;
}

/** Bare Graph scope names default to Graph; full URIs are shortened for internal checks. */
export function graphScopes(scopeParam: string): string[] {
  return scopeParam
    .split(/\s+/)
    .filter((scope) => scope && !OIDC_SCOPES.includes(scope))
    .map((scope) => (scope.startsWith(GRAPH_RESOURCE) ? scope.slice(GRAPH_RESOURCE.length) : scope))
    .filter((scope) => scope !== ".default");
}

export function issueAccessToken(
  state: MicrosoftSandboxState,
  grant: Omit<AccessGrant, "expiresAt">,
): string {
  const token = newOpaqueToken("EwB4A8l6BAAU");
  state.accessTokens.set(token, { ...grant, expiresAt: state.now() + ACCESS_TOKEN_SECONDS * 1000 });
  return token;
}

export function issueRefreshToken(
  state: MicrosoftSandboxState,
  grant: Omit<RefreshGrant, "token" | "issuedAt" | "lastUsedAt" | "revoked">,
): string {
  const token = newOpaqueToken("M.C507_BAY.0.U.-");
  const now = state.now();
  state.refreshTokens.set(token, { ...grant, token, issuedAt: now, lastUsedAt: now, revoked: null });
  return token;
}

export function homeTenantId(state: MicrosoftSandboxState, mailboxId: string): string {
  const mailbox = state.mailboxes.get(mailboxId);
  return mailbox?.kind === "personal" ? MSA_TENANT_ID : (mailbox?.tenantId ?? MSA_TENANT_ID);
}
