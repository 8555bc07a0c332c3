import { createHash } from "node:crypto";
import type { SandboxContext } from "./context.ts";
import { homeTenantId } from "./identity-grants.ts";
import { newGuid } from "./ids.ts";

/** A v2.0 id_token: the issuer carries the user's home tenant, as Entra's multi-tenant tokens do. */
export async function issueIdToken(
  ctx: SandboxContext,
  params: { clientId: string; mailboxId: string; scopes: string[]; nonce: string | null },
): Promise<string> {
  const mailbox = ctx.state.mailboxes.get(params.mailboxId);
  if (!mailbox) throw new Error("id_token for an unknown mailbox");
  const tid = homeTenantId(ctx.state, mailbox.id);
  const now = Math.floor(ctx.state.now() / 1000);
  return ctx.keys.sign({
    ver: "2.0",
    iss: `${ctx.origin}/${tid}/v2.0`,
    sub: createHash("sha256").update(`${mailbox.id}|${params.clientId}`).digest("base64url").slice(0, 43),
    aud: params.clientId,
    exp: now + 3600,
    iat: now,
    nbf: now,
    ...(params.scopes.includes("profile")
      ? { name: mailbox.displayName, preferred_username: mailbox.userPrincipalName }
      : {}),
    ...(params.scopes.includes("email") && mailbox.mail ? { email: mailbox.mail } : {}),
    oid: mailbox.id,
    tid,
    ...(params.nonce ? { nonce: params.nonce } : {}),
    uti: newGuid().replaceAll("-", "").slice(0, 22),
  });
}
