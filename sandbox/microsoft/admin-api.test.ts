import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { admin, field, type GraphFetch, type Json, valuesOf, withSandbox } from "./test-session.ts";

const fx = withSandbox({ accounts: ["adele@contoso.com", "megan@contoso.com"] });
const adele: GraphFetch = (path, init) => fx.as("adele@contoso.com")(path, init);
const megan: GraphFetch = (path, init) => fx.as("megan@contoso.com")(path, init);

async function state(): Promise<Json> {
  return (await (await fetch(`${fx.sandbox.url}/_sandbox/state`)).json()) as Json;
}

describe("attendee responses", () => {
  it("accept records the answer on the organizer's item; decline removes the attendee's copy", async () => {
    const created = await adele("/me/events", {
      method: "POST",
      body: {
        subject: "Budget",
        start: { dateTime: "2030-06-03T10:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-06-03T11:00:00", timeZone: "UTC" },
        attendees: [{ type: "required", emailAddress: { address: "megan@contoso.com" } }],
      },
    });
    const window = "startDateTime=2030-06-03T00:00:00Z&endDateTime=2030-06-04T00:00:00Z";
    const copy = valuesOf(await megan(`/me/calendarView?${window}`)).find((e) => e.subject === "Budget");
    const copyId = encodeURIComponent(String(copy?.id));
    const accepted = await megan(`/me/events/${copyId}/accept`, {
      method: "POST",
      body: { comment: "ok", sendResponse: true },
    });
    expect(accepted.status).toBe(202);
    const organizer = await adele(`/me/events/${encodeURIComponent(String(created.body.id))}`);
    expect(field(organizer.body, "attendees", "0", "status", "response")).toBe("accepted");
    expect((await megan(`/me/events/${copyId}`)).body).toMatchObject({ showAs: "busy" });
    expect((await megan(`/me/events/${copyId}/decline`, { method: "POST", body: {} })).status).toBe(202);
    expect((await megan(`/me/events/${copyId}`)).status).toBe(404);
    const own = await adele(`/me/events/${encodeURIComponent(String(created.body.id))}/accept`, {
      method: "POST",
      body: {},
    });
    expect(own.status).toBe(400);
  });
});

describe("admin API", () => {
  it("reports state, moves the clock and resets to the seed", async () => {
    await admin(fx.sandbox.url, "reset");
    await fx.signInAgain("adele@contoso.com");
    const before = await state();
    expect(field(before, "accounts")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userPrincipalName: "sam.taylor@outlook.com", kind: "personal" }),
      ]),
    );
    await adele("/me/events", {
      method: "POST",
      body: {
        subject: "Temp",
        start: { dateTime: "2030-06-05T10:00:00", timeZone: "UTC" },
        end: { dateTime: "2030-06-05T11:00:00", timeZone: "UTC" },
      },
    });
    expect(Number((await state()).events)).toBeGreaterThan(Number(before.events));
    const moved = (await admin(fx.sandbox.url, "clock", { advanceMs: 86_400_000 })) as Json;
    expect(Date.parse(String(moved.now)) - Date.parse(String(before.now))).toBeGreaterThanOrEqual(86_400_000);
    await admin(fx.sandbox.url, "reset");
    const after = await state();
    expect(after.events).toBe(before.events);
    expect(after.refreshTokens).toBe(0);
    expect((await adele("/me")).status).toBe(401);
    const unknown = await fetch(`${fx.sandbox.url}/_sandbox/events/change`, {
      method: "POST",
      body: JSON.stringify({ account: "nobody@contoso.com", eventId: "x", patch: {} }),
    });
    expect(unknown.status).toBe(404);
  });

  it("runs standalone from main.ts and prints its URL", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", new URL("./main.ts", import.meta.url).pathname, "--port", "0", "--quiet"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          const match = /emulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match?.[1]) resolve(match[1]);
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
      });
      const discovery = (await (
        await fetch(`${url}/consumers/v2.0/.well-known/openid-configuration`)
      ).json()) as Json;
      expect(discovery.issuer).toBe(`${url}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0`);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
