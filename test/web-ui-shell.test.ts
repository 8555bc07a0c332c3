import type { FastifyInstance } from "fastify";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./support/browser.ts";
import { buildTestApp } from "./support/test-app.ts";
import { openTestStore } from "./support/test-stores.ts";

/** The built UI is served by the service itself and renders in a real browser; API paths keep their JSON 404. */
describe("web UI shell", () => {
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const opened = await openTestStore("pglite");
    close = () => opened.dispose();
    app = await buildTestApp(opened.store);
    base = await app.listen({ host: "127.0.0.1", port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await close?.();
  });

  it("serves the portal page, which renders in Chromium", async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${base}/portal`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBeTruthy();
    await page.close();
  });

  it("keeps unknown API paths a JSON 404, not a booking page", async () => {
    const response = await fetch(`${base}/v1/no-such-route`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/json");
  });

  it("serves hashed assets for a year and 404s a missing one", async () => {
    const html = await (await fetch(`${base}/portal`)).text();
    const asset = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const ok = await fetch(`${base}${asset}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${base}/ui/assets/nope.js`)).status).toBe(404);
  });
});
