import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundGuard } from "../../outbound/guarded-fetch.ts";
import { fetchFeed, normaliseFeedUrl, requestUrls } from "./fetch-feed.ts";

describe("feed fetch", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === "/redirect-internal") {
        response.writeHead(302, { location: `http://127.0.0.1:${port}/feed.ics` }).end();
      } else if (request.url === "/redirect-localhost") {
        response.writeHead(302, { location: `http://localhost:${port}/feed.ics` }).end();
      } else if (request.url === "/redirect-private") {
        response.writeHead(301, { location: "http://10.0.0.1/feed.ics" }).end();
      } else if (request.url === "/redirect-file") {
        response.writeHead(301, { location: "file:///etc/passwd" }).end();
      } else if (request.url === "/big.ics") {
        response.writeHead(200, { "content-type": "text/calendar" }).end("X".repeat(5000));
      } else if (request.url === "/slow.ics") {
        // never answers
      } else if (request.url === "/missing.ics") {
        response.writeHead(404).end();
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

  const strict = { guard: createOutboundGuard({ allow: [] }), maxBytes: 1_000_000, timeoutMs: 2000 };
  const allowLocal = { ...strict, guard: createOutboundGuard({ allow: ["127.0.0.1"] }) };

  it.each([
    "http://127.0.0.1/feed.ics",
    "http://10.0.0.1/feed.ics",
    "http://[::1]/feed.ics",
    "http://169.254.169.254/latest/meta-data",
    "webcal://0x7f.1/feed.ics",
  ])("refuses %s when not allowed, with a message that names no address", async (url) => {
    const result = await fetchFeed(url, strict);
    expect(result).toMatchObject({ ok: false, error: { kind: "forbidden_target" } });
    expect(!result.ok && result.error.message).not.toMatch(/\d+\.\d+\.\d+\.\d+|::/);
  });

  it("refuses a host name that resolves to loopback (checked at connect time)", async () => {
    const result = await fetchFeed(`http://localhost:${port}/feed.ics`, strict);
    expect(result).toMatchObject({
      ok: false,
      error: { kind: "forbidden_target", message: expect.stringMatching(/internal/) },
    });
  });

  it("judges localhost by its addresses: allowed exactly when 127.0.0.1 is, first URL and redirect alike", async () => {
    // The machine's resolver may answer ::1 too: only the allowed address is connected to.
    expect(await fetchFeed(`http://localhost:${port}/feed.ics`, allowLocal)).toMatchObject({ ok: true });
    expect(await fetchFeed(`http://127.0.0.1:${port}/redirect-localhost`, allowLocal)).toMatchObject({
      ok: true,
    });
    const onlyPrivate = { ...strict, guard: createOutboundGuard({ allow: ["10.0.0.0/8"] }) };
    expect(await fetchFeed(`http://localhost:${port}/feed.ics`, onlyPrivate)).toMatchObject({
      ok: false,
      error: { kind: "forbidden_target" },
    });
  });

  it("refuses a redirect to an internal address, even from an allowed host", async () => {
    const fromAllowedName = { ...strict, guard: createOutboundGuard({ allow: ["localhost"] }) };
    const internal = await fetchFeed(`http://localhost:${port}/redirect-internal`, fromAllowedName);
    expect(internal).toMatchObject({ ok: false, error: { kind: "forbidden_target" } });
    const privateRange = await fetchFeed(`http://127.0.0.1:${port}/redirect-private`, allowLocal);
    expect(privateRange).toMatchObject({ ok: false, error: { kind: "forbidden_target" } });
    const file = await fetchFeed(`http://127.0.0.1:${port}/redirect-file`, allowLocal);
    expect(file).toMatchObject({ ok: false, error: { kind: "forbidden_target", message: /only http/ } });
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
      error: { kind: "invalid_data", message: "the feed is larger than 1024 bytes" },
    });
    const slow = await fetchFeed(`http://127.0.0.1:${port}/slow.ics`, { ...allowLocal, timeoutMs: 300 });
    expect(slow).toMatchObject({ ok: false, error: { kind: "unavailable", message: "the feed timed out" } });
  });

  it("fetches webcal:// from a plain-http server over http after the https attempt fails its handshake", async () => {
    const result = await fetchFeed(`webcal://127.0.0.1:${port}/feed.ics`, allowLocal);
    expect(result).toMatchObject({
      ok: true,
      value: { status: "ok", finalUrl: `http://127.0.0.1:${port}/feed.ics` },
    });
    // An HTTP answer over the fallback is reported as such, not as the https attempt's TLS error.
    const missing = await fetchFeed(`webcal://127.0.0.1:${port}/missing.ics`, allowLocal);
    expect(missing).toMatchObject({ ok: false, error: { kind: "not_found" } });
    // webcals:// and https:// mean TLS: no fallback, and a fixed message instead of OpenSSL's text.
    for (const scheme of ["webcals", "https"]) {
      const secure = await fetchFeed(`${scheme}://127.0.0.1:${port}/feed.ics`, allowLocal);
      expect(secure).toMatchObject({
        ok: false,
        error: { kind: "unavailable", message: /TLS handshake failed/ },
      });
      expect(!secure.ok && secure.error.message).not.toMatch(/ssl3|SSL routines|EPROTO|wrong version/i);
    }
  });

  it("falls back to http only on a TLS-level failure, not when the connection is dropped", async () => {
    let connections = 0;
    const dropper = createTcpServer((socket) => {
      connections++;
      socket.destroy();
    });
    dropper.listen(0, "127.0.0.1");
    await once(dropper, "listening");
    const dropPort = (dropper.address() as AddressInfo).port;
    try {
      const result = await fetchFeed(`webcal://127.0.0.1:${dropPort}/feed.ics`, allowLocal);
      expect(result).toMatchObject({
        ok: false,
        error: {
          kind: "unavailable",
          message: "could not fetch the feed: the server closed the connection unexpectedly",
        },
      });
      expect(connections).toBe(1);
    } finally {
      dropper.close();
    }
  });

  it("keeps webcal URLs as written and requests https first, then http; other schemes are refused", () => {
    const webcal = normaliseFeedUrl("webcal://calendar.example.com/team.ics");
    expect(webcal.ok && webcal.url.href).toBe("webcal://calendar.example.com/team.ics");
    expect(webcal.ok && requestUrls(webcal.url).map((url) => url.href)).toEqual([
      "https://calendar.example.com/team.ics",
      "http://calendar.example.com/team.ics",
    ]);
    const webcals = normaliseFeedUrl("webcals://calendar.example.com/team.ics");
    expect(webcals.ok && requestUrls(webcals.url).map((url) => url.href)).toEqual([
      "https://calendar.example.com/team.ics",
    ]);
    expect(normaliseFeedUrl("file:///etc/passwd")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/only http/),
    });
    expect(normaliseFeedUrl("gopher://x")).toMatchObject({ ok: false });
    expect(normaliseFeedUrl("not a url")).toMatchObject({ ok: false });
  });
});
