import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type MicrosoftTestService,
  startMicrosoftTestService,
  waitFor,
} from "./support/microsoft-service.ts";
import { backends } from "./support/test-stores.ts";

/**
 * The audit log records token refreshes (issue #15): a refresh that succeeds and one that fails, each as the
 * system job's entry on the connection, with ids and codes only. The refresh is the real one: the Microsoft
 * sandbox's clock is moved past the access token's lifetime, so Graph answers 401 and the service refreshes with its
 * refresh token; then the grant is revoked, and the refresh is refused.
 */
describe.each(backends)("token refresh in the audit log on %s", (backend) => {
  let ms: MicrosoftTestService;

  beforeAll(async () => {
    ms = await startMicrosoftTestService({ backend });
  }, 120_000);
  afterAll(async () => {
    await ms?.stop();
  });

  type Entry = {
    action: string;
    actor: { kind: string; id: string | null };
    outcome: string;
    provider: string | null;
    target: { connectionId: string | null };
    details: { errorKind?: string };
  };
  const entriesOf = async (hostId: string, action: string): Promise<Entry[]> => {
    const log = await ms.api("GET", `/v1/audit?hostId=${hostId}&action=${action}&limit=50`);
    expect(log.status).toBe(200);
    return log.body.data as Entry[];
  };

  it("records a token refresh that succeeds, and one that fails", async () => {
    const hostId = (await ms.api("POST", "/v1/hosts", { name: "Adele", timeZone: "UTC" })).body.id as string;
    const connectionId = await ms.connect(hostId, "Adele");
    expect(await entriesOf(hostId, "token.refreshed")).toEqual([]);

    // Two hours on at Microsoft: the access token has expired there, and Graph says so with a 401.
    expect((await ms.admin("clock", { advanceMs: 2 * 3_600_000 })).status).toBe(200);
    const synced = await ms.syncNow(hostId, connectionId);
    expect(synced.status).toBe("connected");
    const refreshed = await entriesOf(hostId, "token.refreshed");
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatchObject({
      outcome: "success",
      actor: { kind: "system_job", id: "token-keeper" },
      provider: "microsoft",
      target: { connectionId },
    });
    expect(await entriesOf(hostId, "token.refresh_failed")).toEqual([]);

    // The grant is revoked: the next refresh is refused, and that is recorded too.
    expect((await ms.admin("tokens/revoke", { account: "adele@contoso.com" })).status).toBe(200);
    expect((await ms.api("POST", `/v1/hosts/${hostId}/connections/${connectionId}/sync`)).status).toBe(202);
    const failed = await waitFor("the failed refresh", async () => {
      const found = await entriesOf(hostId, "token.refresh_failed");
      return found.length > 0 ? found : undefined;
    });
    expect(failed[0]).toMatchObject({
      outcome: "failure",
      actor: { kind: "system_job", id: "token-keeper" },
      target: { connectionId },
      details: { errorKind: "auth_revoked" },
    });
    expect(await entriesOf(hostId, "token.refreshed")).toHaveLength(1);
    // Ids and codes only: no token, no account address.
    const all = JSON.stringify([...refreshed, ...failed]);
    expect(all).not.toMatch(/Bearer|eyJ|adele@|contoso/i);
  }, 120_000);
});
