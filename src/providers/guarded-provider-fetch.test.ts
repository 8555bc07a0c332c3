import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutboundGuard } from "../outbound/guarded-fetch.ts";
import { createGuardedProviderFetch } from "./guarded-provider-fetch.ts";
import { createProviderHttp } from "./provider-http.ts";

/** A tenant-given server on 127.0.0.1 (allow-listed), answering what the path asks for. */
let server: Server;
let base: string;
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    req.resume();
    if (req.url === "/empty") return void res.writeHead(204, { etag: '"e1"' }).end();
    if (req.url === "/big") return void res.writeHead(200).end("x".repeat(5000));
    res.writeHead(207, { "content-type": "application/xml" }).end(`<m method="${req.method}"/>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function http() {
  return createProviderHttp({
    provider: "caldav",
    fetch: createGuardedProviderFetch({
      guard: createOutboundGuard({ allow: ["127.0.0.1"] }),
      maxBytes: 1000,
      timeoutMs: 5000,
    }),
    sleep: async () => {},
  });
}

describe("the guarded provider fetch under the provider HTTP layer", () => {
  it("sends any method and hands back status, headers and body (none for a 204)", async () => {
    const report = await http().request({
      account: "a",
      method: "REPORT",
      url: `${base}/x`,
      idempotent: true,
    });
    expect(report).toMatchObject({ kind: "response", status: 207, body: '<m method="REPORT"/>' });
    const empty = await http().request({
      account: "a",
      method: "PUT",
      url: `${base}/empty`,
      idempotent: true,
    });
    expect(empty).toMatchObject({ kind: "response", status: 204, body: "" });
    if (empty.kind === "response") expect(empty.headers.get("etag")).toBe('"e1"');
  });

  it("reports a refused address and an oversized answer once, without retrying them", async () => {
    hits = 0;
    const refused = await http().request({
      account: "a",
      method: "PROPFIND",
      url: "http://10.0.0.7/dav/",
      idempotent: true,
    });
    expect(refused).toEqual({ kind: "network", reason: "refused", retryAfterMs: null });
    const big = await http().request({ account: "a", method: "GET", url: `${base}/big`, idempotent: true });
    expect(big).toEqual({ kind: "network", reason: "too_large", retryAfterMs: null });
    expect(hits).toBe(1);
  });
});
