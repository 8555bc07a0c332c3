import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAddressPolicy } from "./address-policy.ts";
import { fetchFeed, normaliseFeedUrl } from "./guarded-fetch.ts";

describe("guarded feed fetch", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === "/redirect-internal") {
        response.writeHead(302, { location: `http://127.0.0.1:${port}/feed.ics` }).end();
      } else if (request.url === "/redirect-private") {
        response.writeHead(301, { location: "http://10.0.0.1/feed.ics" }).end();
      } else if (request.url === "/big.ics") {
        response.writeHead(200, { "content-type": "text/calendar" }).end("X".repeat(5000));
      } else if (request.url === "/slow.ics") {
        // never answers
      } else if (request.headers["if-none-match"] === '"v1"') {
        response.writeHead(304).end();
      } else {
        response
          .writeHead(200, { etag: '"v1"', "content-type": "text/calendar" })
          .end("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
      }
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const strict = { policy: createAddressPolicy([]), maxBytes: 1_000_000, timeoutMs: 2000 };
  const allowLocal = { ...strict, policy: createAddressPolicy(["127.0.0.1"]) };

  it.each([
    "http://127.0.0.1/feed.ics",
    "http://10.0.0.1/feed.ics",
    "http://[::1]/feed.ics",
    "http://169.254.169.254/latest/meta-data",
  ])("refuses %s when not allowed", async (url) => {
    const result = await fetchFeed(url, strict);
    expect(result).toMatchObject({ ok: false, error: { kind: "forbidden_target" } });
  });

  it("refuses a host name that resolves to loopback (checked at connect time)", async () => {
    const result = await fetchFeed(`http://localhost:${port}/feed.ics`, strict);
    expect(result).toMatchObject({
      ok: false,
      error: { kind: "forbidden_target", message: expect.stringMatching(/internal/) },
    });
  });

  it("refuses a redirect to an internal address, even from an allowed host", async () => {
    const fromAllowedName = { ...strict, policy: createAddressPolicy(["localhost"]) };
    const internal = await fetchFeed(`http://localhost:${port}/redirect-internal`, fromAllowedName);
    expect(internal).toMatchObject({ ok: false, error: { kind: "forbidden_target" } });
    const privateRange = await fetchFeed(`http://127.0.0.1:${port}/redirect-private`, allowLocal);
    expect(privateRange).toMatchObject({ ok: false, error: { kind: "forbidden_target" } });
  });

  it("fetches allowed feeds with ETag revalidation, and enforces size and time limits", async () => {
    const first = await fetchFeed(`http://127.0.0.1:${port}/feed.ics`, allowLocal);
    expect(first).toMatchObject({ ok: true, value: { status: "ok", etag: '"v1"' } });
    const second = await fetchFeed(`http://127.0.0.1:${port}/feed.ics`, {
      ...allowLocal,
      conditional: { etag: '"v1"' },
    });
    expect(second).toMatchObject({ ok: true, value: { status: "not_modified" } });
    const big = await fetchFeed(`http://127.0.0.1:${port}/big.ics`, { ...allowLocal, maxBytes: 1024 });
    expect(big).toMatchObject({
      ok: false,
      error: { kind: "invalid_data", message: expect.stringMatching(/larger than/) },
    });
    const slow = await fetchFeed(`http://127.0.0.1:${port}/slow.ics`, { ...allowLocal, timeoutMs: 300 });
    expect(slow).toMatchObject({
      ok: false,
      error: { kind: "unavailable", message: expect.stringMatching(/timed out/) },
    });
  });

  it("maps webcal to https and refuses other schemes", () => {
    const webcal = normaliseFeedUrl("webcal://calendar.example.com/team.ics");
    expect(webcal.ok && webcal.url.href).toBe("https://calendar.example.com/team.ics");
    expect(normaliseFeedUrl("file:///etc/passwd")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/only http/),
    });
    expect(normaliseFeedUrl("gopher://x")).toMatchObject({ ok: false });
    expect(normaliseFeedUrl("not a url")).toMatchObject({ ok: false });
  });
});
