import { z } from "zod";
import { type OutboundGuard, vetOutboundUrl } from "../../outbound/guarded-fetch.ts";
import { type CalDavConnector, calDavServerUrl } from "../../providers/caldav/caldav-connect.ts";
import type { CalDavStoredCredentials } from "../../providers/caldav/caldav-schemas.ts";
import type { KeyRing } from "../../secrets/key-ring.ts";
import {
  findConnectionByAccount,
  insertConnection,
  updateConnection,
} from "../../store/connections-repository.ts";
import type { Database } from "../../store/database.ts";
import type { HostId, TenantId } from "../../store/ids.ts";
import { AppError } from "../errors.ts";

/** The body of `POST /hosts/{id}/connections` for a CalDAV account (one branch of the connect union). */
export const caldavInput = z
  .object({
    provider: z.literal("caldav"),
    preset: z
      .enum(["icloud", "fastmail", "nextcloud", "custom"])
      .default("custom")
      .meta({
        description:
          "icloud (https://caldav.icloud.com), fastmail (https://caldav.fastmail.com), nextcloud (serverUrl is the " +
          "instance's base URL) or custom (serverUrl is the CalDAV server or its calendar home)",
      }),
    serverUrl: z
      .string()
      .min(1)
      .max(2000)
      .optional()
      .meta({ description: "Required for nextcloud and custom", example: "https://cloud.example.com" }),
    username: z.string().min(1).max(320).meta({ description: "For iCloud, the Apple ID email address" }),
    password: z
      .string()
      .min(1)
      .max(1000)
      .meta({
        description:
          "An app-specific password (iCloud: appleid.apple.com > Sign-In and Security > App-Specific Passwords; " +
          "Fastmail: Settings > Privacy & Security > App passwords; Nextcloud: Settings > Security > Devices & " +
          "sessions). Stored encrypted, never shown again.",
      }),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

interface CalDavConnectDeps {
  db: Database;
  keyRing: KeyRing;
  outbound: OutboundGuard;
  caldav?: CalDavConnector;
}

/**
 * A CalDAV connection: the URL is judged by the address policy before anything is sent, then discovery runs with
 * the credentials, so a wrong password or a server that is not CalDAV is a 400 now, not a broken connection later.
 * Connecting the same account (principal) again replaces its credentials (after needs_reauth, say).
 */
export async function connectCalDav(
  deps: CalDavConnectDeps,
  params: { tenantId: TenantId; hostId: HostId; input: z.infer<typeof caldavInput> },
) {
  const { input } = params;
  if (!deps.caldav)
    throw new AppError("validation_failed", "provider: caldav connections are not available in this version");
  const resolved = calDavServerUrl({ preset: input.preset, serverUrl: input.serverUrl });
  if (!resolved.ok) throw new AppError("validation_failed", resolved.message);
  const problem = await vetOutboundUrl(resolved.url, deps.outbound);
  if (problem) throw new AppError("validation_failed", `serverUrl: ${problem.message}`);
  const found = await deps.caldav.discover({
    serverUrl: resolved.url,
    username: input.username,
    password: input.password,
  });
  if (!found.ok) {
    const { kind, message } = found.error;
    throw new AppError(
      "validation_failed",
      kind === "auth_revoked"
        ? "password: the CalDAV server refused the user name and password (for iCloud, use an app-specific password)"
        : `serverUrl: ${message}`,
    );
  }
  const credentials = deps.keyRing.encrypt(
    JSON.stringify({
      kind: "caldav",
      serverUrl: resolved.url.href,
      principalUrl: found.value.principalUrl,
      homeUrl: found.value.homeUrl,
      username: input.username,
      password: input.password,
    } satisfies CalDavStoredCredentials),
  );
  const account = {
    accountId: found.value.principalUrl,
    accountEmail: input.username.includes("@") ? input.username : null,
  };
  const existing = await findConnectionByAccount(deps.db, {
    tenantId: params.tenantId,
    hostId: params.hostId,
    provider: "caldav",
    accountId: account.accountId,
  });
  if (existing) {
    // Pending with credentials: the next sync runs and moves it to connected (with its webhook).
    const updated = await updateConnection(
      deps.db,
      { tenantId: params.tenantId, id: existing.id },
      {
        credentials,
        status: "pending",
        ...(input.name ? { displayName: input.name } : {}),
        updatedAt: new Date(),
      },
    );
    return updated!;
  }
  const row = await insertConnection(deps.db, {
    tenantId: params.tenantId,
    hostId: params.hostId,
    provider: "caldav",
    displayName: input.name ?? `CalDAV (${input.username}@${resolved.url.hostname})`.slice(0, 200),
    credentials,
    settings: {},
  });
  return (await updateConnection(deps.db, { tenantId: params.tenantId, id: row.id }, account))!;
}
