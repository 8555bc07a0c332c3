import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createOutboundGuard,
  type ResolveHost,
  sendGuardedRequest,
  vetOutboundUrl,
} from "./guarded-fetch.ts";

describe("guarded request", () => {
  let server: Server;
  let port: number;
  let connections = 0;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === "/moved") return void response.writeHead(302, { location: "/elsewhere" }).end();
      if (request.url === "/endless") {
        response.writeHead(200, { "content-type": "text/plain" });
        const timer = setInterval(() => response.write("x".repeat(4096)), 1);
        response.on("close", () => clearInterval(timer));
        return;
      }
      response.writeHead(200, { "content-type": "text/plain" }).end("hello");
    });
    server.on("connection", () => connections++);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  /** A resolver under the test's control: the name's answer can change between calls, as in DNS rebinding. */
  function scriptedResolver(...answers: string[][]): { resolveHost: ResolveHost; lookups: string[] } {
    const lookups: string[] = [];
    return {
      lookups,
      resolveHost: async (hostname) => {
        lookups.push(hostname);
        const addresses = answers.length > 1 ? answers.shift()! : answers[0]!;
        return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
      },
    };
  }

  const get = (url: string, guard: ReturnType<typeof createOutboundGuard>, extra = {}) =>
    sendGuardedRequest({
      url: new URL(url),
      method: "GET",
      headers: {},
      guard,
      deadline: Date.now() + 2000,
      maxBytes: 1024,
      overflow: "fail",
      ...extra,
    });

  it("refuses a name that resolves to an internal address at connect time, before any connection", async () => {
    // Registered while the name pointed elsewhere; at request time it answers with loopback.
    const resolver = scriptedResolver(["93.184.216.34"], ["127.0.0.1"]);
    const guard = createOutboundGuard({ allow: [], resolveHost: resolver.resolveHost });
    expect(await vetOutboundUrl(new URL(`http://hooks.example.test:${port}/`), guard)).toBeNull();
    const before = connections;
    const result = await get(`http://hooks.example.test:${port}/`, guard);
    expect(result).toEqual({
      ok: false,
      error: { kind: "forbidden_target", message: expect.stringMatching(/^refused: .*internal address/) },
    });
    expect(!result.ok && result.error.message).not.toMatch(/127\.0\.0\.1/);
    expect(resolver.lookups).toEqual(["hooks.example.test", "hooks.example.test"]);
    expect(connections).toBe(before);
  });

  it("connects only to the allowed addresses of a name that resolves to several", async () => {
    const resolver = scriptedResolver(["192.0.2.1", "::1", "127.0.0.1"]);
    const guard = createOutboundGuard({ allow: ["127.0.0.1"], resolveHost: resolver.resolveHost });
    const result = await get(`http://hooks.example.test:${port}/`, guard);
    expect(result).toMatchObject({ ok: true, value: { status: 200 } });
    expect(result.ok && Buffer.from(result.value.body).toString()).toBe("hello");
  });

  it("skips the address check for an allow-listed host name, and checks IP literals without DNS", async () => {
    const resolver = scriptedResolver(["127.0.0.1"]);
    const byName = createOutboundGuard({ allow: ["hooks.example.test"], resolveHost: resolver.resolveHost });
    // Node's own resolver is used for allow-listed names; localhost is the one name it can resolve here.
    const localhost = createOutboundGuard({ allow: ["localhost"], resolveHost: resolver.resolveHost });
    expect(await get(`http://localhost:${port}/`, localhost)).toMatchObject({ ok: true });
    expect(await vetOutboundUrl(new URL("http://hooks.example.test/"), byName)).toBeNull();
    const before = connections;
    expect(await get("http://0x7f.1:9/", byName)).toMatchObject({
      ok: false,
      error: { kind: "forbidden_target" },
    });
    expect(await get("http://[::ffff:7f00:1]:9/", byName)).toMatchObject({
      ok: false,
      error: { kind: "forbidden_target" },
    });
    expect(resolver.lookups).toEqual([]);
    expect(connections).toBe(before);
  });

  it("vets URLs at registration by what their host resolves to; an unresolvable name is left to the request", async () => {
    const guard = (resolveHost: ResolveHost) => createOutboundGuard({ allow: [], resolveHost });
    const internal = scriptedResolver(["10.1.2.3", "fd00::1"]).resolveHost;
    expect(await vetOutboundUrl(new URL("https://internal.example.test/"), guard(internal))).toMatchObject({
      kind: "forbidden_target",
    });
    const failing: ResolveHost = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    expect(await vetOutboundUrl(new URL("https://not-yet.example.test/"), guard(failing))).toBeNull();
    expect(await vetOutboundUrl(new URL("ftp://example.test/"), guard(failing))).toMatchObject({
      kind: "invalid_url",
    });
    expect(await vetOutboundUrl(new URL("http://169.254.169.254/"), guard(failing))).toMatchObject({
      kind: "forbidden_target",
    });
  });

  it("hands a redirect back without following it, and truncates or refuses an over-long body", async () => {
    const guard = createOutboundGuard({ allow: ["127.0.0.1"] });
    const moved = await get(`http://127.0.0.1:${port}/moved`, guard);
    expect(moved).toMatchObject({ ok: true, value: { status: 302, headers: { location: "/elsewhere" } } });
    const truncated = await get(`http://127.0.0.1:${port}/endless`, guard, { overflow: "truncate" });
    expect(truncated.ok && truncated.value.body.length).toBe(1024);
    expect(await get(`http://127.0.0.1:${port}/endless`, guard)).toEqual({
      ok: false,
      error: { kind: "too_large", message: "larger than 1024 bytes" },
    });
  });

  it("reports network failures with fixed messages that name no address", async () => {
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const guard = createOutboundGuard({ allow: ["127.0.0.1"] });
    expect(await get(`http://127.0.0.1:${closedPort}/`, guard)).toEqual({
      ok: false,
      error: { kind: "network", message: "the server refused the connection" },
    });
    const missing = createOutboundGuard({
      allow: [],
      resolveHost: async () => {
        throw Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.example.test"), { code: "ENOTFOUND" });
      },
    });
    expect(await get("http://nowhere.example.test/", missing)).toEqual({
      ok: false,
      error: { kind: "network", message: "the host name does not resolve" },
    });
    expect(await get(`https://127.0.0.1:${port}/`, guard)).toMatchObject({
      ok: false,
      error: { kind: "tls" },
    });
  });
});
