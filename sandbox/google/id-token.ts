import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import type { SeedAccount } from "./seed-schema.ts";

/**
 * OIDC id tokens signed RS256 with a key made at start-up; the JWKS endpoint publishes it. Claims follow
 * Google's: `sub` is the account's numeric id, `hd` only for Workspace accounts. The issuer is the
 * sandbox origin (real Google: https://accounts.google.com) so that discovery and validation line up.
 */
export interface IdTokenSigner {
  jwks(): { keys: JWK[] };
  sign(params: {
    issuer: string;
    clientId: string;
    account: SeedAccount;
    nonce?: string;
    nowMs: number;
    accessToken: string;
  }): Promise<string>;
}

export async function createIdTokenSigner(): Promise<IdTokenSigner> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomBytes(20).toString("hex");
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return {
    jwks: () => ({ keys: [publicJwk] }),
    sign: async ({ issuer, clientId, account, nonce, nowMs, accessToken }) => {
      const iat = Math.floor(nowMs / 1000);
      const claims: Record<string, unknown> = {
        azp: clientId,
        email: account.email,
        email_verified: true,
        name: account.name,
        at_hash: await atHash(accessToken),
      };
      if (account.hd) claims.hd = account.hd;
      if (nonce !== undefined) claims.nonce = nonce;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
        .setIssuer(issuer)
        .setAudience(clientId)
        .setSubject(account.sub)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 3600)
        .sign(privateKey);
    },
  };
}

/** OIDC Core 3.1.3.6: left half of the SHA-256 of the access token, base64url. */
async function atHash(accessToken: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(accessToken)));
  return Buffer.from(digest.slice(0, digest.length / 2)).toString("base64url");
}
