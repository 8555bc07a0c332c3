import { createHash } from "node:crypto";
import { GoogleOAuthError } from "./errors.ts";
import { newOpaqueToken } from "./ids.ts";
import type { SeedClient } from "./seed-schema.ts";

/**
 * Google OAuth grants (provider-protocols.md 3.2-3.4): codes, access tokens, refresh tokens and the
 * remembered consent that decides whether a new authorization yields a refresh token (trap 7).
 */

export const ACCESS_TOKEN_SECONDS = 3599;
const CODE_LIFETIME_MS = 10 * 60 * 1000; // [inf] Google does not document it; codes are short-lived.
const TESTING_REFRESH_SECONDS = 604_799; // External apps in "Testing": refresh tokens die after 7 days.
const LIVE_REFRESH_TOKEN_LIMIT = 100; // Past ~100 live tokens per client and account the oldest dies.
const EXPIRED_OR_REVOKED = "Token has been expired or revoked.";

export interface AuthCodeRequest {
  clientId: string;
  redirectUri: string;
  account: string;
  scopes: string[];
  issueRefreshToken: boolean;
  codeChallenge?: string;
  codeChallengeMethod?: "S256" | "plain";
  nonce?: string;
}

interface AuthCode extends AuthCodeRequest {
  expiresAt: number;
  used: boolean;
}

export interface AccessGrant {
  token: string;
  clientId: string;
  account: string;
  scopes: string[];
  expiresAt: number;
  refreshToken?: string;
  revoked: boolean;
}

interface RefreshGrant {
  token: string;
  clientId: string;
  account: string;
  scopes: string[];
  issuedAt: number;
  expiresAt?: number;
  revoked: boolean;
}

export interface IssuedTokens {
  access: AccessGrant;
  refreshToken?: string;
  refreshExpiresIn?: number;
  nonce?: string;
}

export class OAuthStore {
  private readonly clients: Map<string, SeedClient>;
  private readonly clock: () => number;
  private readonly codes = new Map<string, AuthCode>();
  private readonly accessTokens = new Map<string, AccessGrant>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  /** Consent per `clientId account`: granted scopes and whether offline access was already granted. */
  private readonly consents = new Map<string, { scopes: Set<string>; offline: boolean }>();

  constructor(params: { clients: SeedClient[]; clock: () => number }) {
    this.clients = new Map(params.clients.map((client) => [client.clientId, client]));
    this.clock = params.clock;
  }

  client(clientId: string): SeedClient | undefined {
    return this.clients.get(clientId);
  }

  /** Records consent and decides the granted scopes and whether this grant carries a refresh token. */
  consent(params: {
    clientId: string;
    account: string;
    scopes: string[];
    includeGrantedScopes: boolean;
    offline: boolean;
    forceConsent: boolean;
  }): { scopes: string[]; issueRefreshToken: boolean } {
    const key = `${params.clientId} ${params.account}`;
    const previous = this.consents.get(key);
    const scopes = new Set(params.scopes);
    if (params.includeGrantedScopes && previous) for (const scope of previous.scopes) scopes.add(scope);
    // Only the first offline consent, or one forced with prompt=consent, hands out a refresh token.
    const issueRefreshToken = params.offline && (params.forceConsent || !previous?.offline);
    this.consents.set(key, {
      scopes: new Set([...(previous?.scopes ?? []), ...scopes]),
      offline: (previous?.offline ?? false) || params.offline,
    });
    return { scopes: [...scopes], issueRefreshToken };
  }

  hasConsent(clientId: string, account: string): boolean {
    return this.consents.has(`${clientId} ${account}`);
  }

  issueCode(request: AuthCodeRequest): string {
    const code = newOpaqueToken("4/0", 40);
    this.codes.set(code, { ...request, expiresAt: this.clock() + CODE_LIFETIME_MS, used: false });
    return code;
  }

  redeemCode(params: {
    code: string;
    clientId: string;
    redirectUri: string;
    codeVerifier?: string;
  }): IssuedTokens {
    const code = this.codes.get(params.code);
    if (!code) throw new GoogleOAuthError({ error: "invalid_grant", description: "Malformed auth code." });
    if (code.used || code.expiresAt <= this.clock() || code.clientId !== params.clientId) {
      throw new GoogleOAuthError({ error: "invalid_grant", description: "Bad Request" });
    }
    if (code.redirectUri !== params.redirectUri) {
      throw new GoogleOAuthError({ error: "redirect_uri_mismatch", description: "Bad Request" });
    }
    if (code.codeChallenge !== undefined) {
      if (!params.codeVerifier) {
        throw new GoogleOAuthError({ error: "invalid_request", description: "Missing code verifier." });
      }
      const derived =
        code.codeChallengeMethod === "plain"
          ? params.codeVerifier
          : createHash("sha256").update(params.codeVerifier).digest("base64url");
      if (derived !== code.codeChallenge) {
        throw new GoogleOAuthError({ error: "invalid_grant", description: "Bad Request" });
      }
    }
    code.used = true;
    const issued: IssuedTokens =
      code.nonce === undefined
        ? { access: this.mintAccess(code) }
        : {
            access: this.mintAccess(code),
            nonce: code.nonce,
          };
    if (code.issueRefreshToken) {
      const refresh = this.mintRefresh(code);
      issued.access.refreshToken = refresh.token;
      issued.refreshToken = refresh.token;
      if (refresh.expiresAt !== undefined) issued.refreshExpiresIn = TESTING_REFRESH_SECONDS;
    }
    return issued;
  }

  /** Refresh tokens are NOT rotated: google-auth-library keeps the old one (dependency-notes.md). */
  refresh(params: { refreshToken: string; clientId: string }): IssuedTokens {
    const grant = this.refreshTokens.get(params.refreshToken);
    const dead =
      !grant ||
      grant.revoked ||
      grant.clientId !== params.clientId ||
      (grant.expiresAt !== undefined && grant.expiresAt <= this.clock());
    if (dead) throw new GoogleOAuthError({ error: "invalid_grant", description: EXPIRED_OR_REVOKED });
    const access = this.mintAccess(grant);
    access.refreshToken = grant.token;
    return { access };
  }

  /** Revoking either token of a grant revokes both, and forgets the consent (3.1). */
  revoke(token: string): boolean {
    const access = this.accessTokens.get(token);
    const refresh = this.refreshTokens.get(access ? (access.refreshToken ?? "") : token);
    const grant = access ?? refresh;
    if (!grant || grant.revoked) return false;
    if (access) access.revoked = true;
    if (refresh && !refresh.revoked) this.revokeRefresh(refresh);
    this.consents.delete(`${grant.clientId} ${grant.account}`);
    return true;
  }

  /** Admin: the user removed the app's access (every token of the account dies). */
  revokeAccount(account: string): number {
    let count = 0;
    for (const grant of this.refreshTokens.values()) {
      if (grant.account === account && !grant.revoked) {
        this.revokeRefresh(grant);
        count += 1;
      }
    }
    for (const grant of this.accessTokens.values()) if (grant.account === account) grant.revoked = true;
    for (const key of this.consents.keys()) if (key.endsWith(` ${account}`)) this.consents.delete(key);
    return count;
  }

  /** The grant behind a bearer token, or undefined when unknown, expired or revoked. */
  authenticate(token: string): AccessGrant | undefined {
    const grant = this.accessTokens.get(token);
    if (!grant || grant.revoked || grant.expiresAt <= this.clock()) return undefined;
    return grant;
  }

  summary(): { accessTokens: number; refreshTokens: number; liveRefreshTokens: number } {
    const live = [...this.refreshTokens.values()].filter((grant) => !grant.revoked).length;
    return {
      accessTokens: this.accessTokens.size,
      refreshTokens: this.refreshTokens.size,
      liveRefreshTokens: live,
    };
  }

  private revokeRefresh(grant: RefreshGrant): void {
    grant.revoked = true;
    for (const access of this.accessTokens.values())
      if (access.refreshToken === grant.token) access.revoked = true;
  }

  private mintAccess(source: { clientId: string; account: string; scopes: string[] }): AccessGrant {
    const grant: AccessGrant = {
      token: newOpaqueToken("ya29.a0", 48),
      clientId: source.clientId,
      account: source.account,
      scopes: source.scopes,
      expiresAt: this.clock() + ACCESS_TOKEN_SECONDS * 1000,
      revoked: false,
    };
    this.accessTokens.set(grant.token, grant);
    return grant;
  }

  private mintRefresh(code: AuthCode): RefreshGrant {
    const now = this.clock();
    const testing = this.clients.get(code.clientId)?.publishingStatus === "testing";
    const grant: RefreshGrant = {
      token: newOpaqueToken("1//0", 64),
      clientId: code.clientId,
      account: code.account,
      scopes: code.scopes,
      issuedAt: now,
      ...(testing ? { expiresAt: now + TESTING_REFRESH_SECONDS * 1000 } : {}),
      revoked: false,
    };
    const live = [...this.refreshTokens.values()]
      .filter((other) => !other.revoked && other.clientId === code.clientId && other.account === code.account)
      .sort((a, b) => a.issuedAt - b.issuedAt);
    if (live.length >= LIVE_REFRESH_TOKEN_LIMIT && live[0]) this.revokeRefresh(live[0]);
    this.refreshTokens.set(grant.token, grant);
    return grant;
  }
}
