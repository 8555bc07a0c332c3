import { z } from "zod";
import type { KeyRing } from "../secrets/key-ring.ts";

/**
 * What an OAuth connection keeps, encrypted with the key ring in `calendar_connections.credentials`. Tokens never
 * leave this shape except as a bearer header: not in logs, errors or API answers.
 */
const credentialsSchema = z.object({
  kind: z.literal("oauth"),
  accessToken: z.string(),
  refreshToken: z.string().optional(),
  expiresAt: z.string(),
  scope: z.string().optional(),
});

export type OAuthCredentials = z.infer<typeof credentialsSchema>;

export function sealOAuthCredentials(keyRing: KeyRing, credentials: OAuthCredentials): string {
  return keyRing.encrypt(JSON.stringify(credentials));
}

export function openOAuthCredentials(
  keyRing: KeyRing,
  envelope: string | null,
): OAuthCredentials | undefined {
  if (!envelope) return undefined;
  try {
    const parsed = credentialsSchema.safeParse(JSON.parse(keyRing.decrypt(envelope)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
