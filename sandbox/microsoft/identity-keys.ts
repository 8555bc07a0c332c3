import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { newGuid } from "./ids.ts";

/** One RS256 signing key per sandbox process, published at /{tenant}/discovery/v2.0/keys. */
export interface SigningKeys {
  sign(claims: Record<string, unknown>): Promise<string>;
  jwks: { keys: JWK[] };
}

export async function createSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = newGuid().replaceAll("-", "").slice(0, 27);
  const publicJwk = await exportJWK(publicKey);
  return {
    jwks: { keys: [{ ...publicJwk, kty: "RSA", use: "sig", kid, alg: "RS256" }] },
    sign: (claims) =>
      new SignJWT(claims).setProtectedHeader({ typ: "JWT", alg: "RS256", kid }).sign(privateKey),
  };
}
