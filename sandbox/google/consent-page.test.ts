import { describe, expect, it } from "vitest";
import { startGoogleSandbox } from "./server.ts";
import { ALICE, CAROL } from "./test-accounts.ts";
import { useGoogleSandbox } from "./test-fixture.ts";
import { CALENDAR_SCOPE, SANDBOX_CLIENT } from "./test-login.ts";

const fixture = useGoogleSandbox();

describe("consent page and authorization errors", () => {
  it("lists the seeded accounts and approves the chosen one", async () => {
    const interactive = await startGoogleSandbox({ autoApprove: false });
    try {
      const query = new URLSearchParams({
        client_id: SANDBOX_CLIENT.clientId,
        redirect_uri: SANDBOX_CLIENT.redirectUri,
        response_type: "code",
        scope: CALENDAR_SCOPE,
        state: "s1",
      });
      const page = await fetch(`${interactive.url}/o/oauth2/v2/auth?${query}`);
      const html = await page.text();
      expect(html).toContain(ALICE);
      expect(html).toContain("Workspace (northwind.example)");
      const choose = (extra: Record<string, string>) =>
        fetch(`${interactive.url}/o/oauth2/v2/auth/approve`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ ...Object.fromEntries(query), ...extra }),
          redirect: "manual",
        });
      const approved = new URL((await choose({ account: CAROL })).headers.get("location")!);
      expect(approved.searchParams.get("state")).toBe("s1");
      expect(approved.searchParams.get("code")).toBeTruthy();
      expect(approved.searchParams.get("hd")).toBe("northwind.example");
      const denied = new URL((await choose({ decision: "deny" })).headers.get("location")!);
      expect(Object.fromEntries(denied.searchParams)).toEqual({ error: "access_denied", state: "s1" });
    } finally {
      await interactive.close();
    }
  });

  it("shows redirect_uri_mismatch and invalid_client on an error page instead of redirecting", async () => {
    const base = { response_type: "code", scope: CALENDAR_SCOPE };
    const mismatch = await fetch(
      `${fixture.url}/o/oauth2/v2/auth?${new URLSearchParams({ ...base, client_id: SANDBOX_CLIENT.clientId, redirect_uri: "https://evil.example/cb" })}`,
      { redirect: "manual" },
    );
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toContain("redirect_uri_mismatch");
    const unknown = await fetch(
      `${fixture.url}/o/oauth2/v2/auth?${new URLSearchParams({ ...base, client_id: "nobody", redirect_uri: SANDBOX_CLIENT.redirectUri })}`,
      { redirect: "manual" },
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("invalid_client");
    // The testing client registers exact loopback paths only (any port); the main one also `http://localhost/*`.
    const testingClient = "calbridge-testing.apps.googleusercontent.com";
    const otherPath = await fetch(
      `${fixture.url}/o/oauth2/v2/auth?${new URLSearchParams({ ...base, client_id: testingClient, redirect_uri: "http://localhost:5173/elsewhere" })}`,
      { redirect: "manual" },
    );
    expect(otherPath.status).toBe(400);
    const anyPath = await fetch(
      `${fixture.url}/o/oauth2/v2/auth?${new URLSearchParams({ ...base, client_id: SANDBOX_CLIENT.clientId, redirect_uri: "http://localhost:5173/elsewhere" })}`,
      { redirect: "manual" },
    );
    expect(anyPath.status).toBe(302);
  });
});
