import { execFile } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import axe from "axe-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./support/browser.ts";
import {
  cliPath,
  findFreePort,
  repositoryRoot,
  type ServiceProcess,
  serviceEnvironment,
  startService,
} from "./support/service-process.ts";

const run = promisify(execFile);
/** Screenshots of every portal page (gitignored); the README shows copies from docs/screenshots. */
const SCREENSHOTS = join(repositoryRoot, "test-output/portal-screenshots");

/** The next given weekday (0 = Sunday) at least two days ahead, as YYYY-MM-DD. */
function nextWeekday(weekday: number): string {
  const day = new Date(Date.now() + 2 * 86_400_000);
  while (day.getUTCDay() !== weekday) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

const FEED = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//portal test//EN",
  "BEGIN:VEVENT",
  "UID:portal-1@test",
  "DTSTAMP:20300101T000000Z",
  `DTSTART:${nextWeekday(2).replaceAll("-", "")}T090000Z`,
  `DTEND:${nextWeekday(2).replaceAll("-", "")}T100000Z`,
  "SUMMARY:Busy",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

/**
 * The host portal in Debian's Chromium against a real service (the CLI, embedded store, Microsoft and Google
 * sandboxes, an .ics feed on 127.0.0.1): signing in through a link, connecting a feed, Outlook and Google through the
 * consent pages, editing hours (the public slots answer follows), refused links and CSRF-less changes, axe-core on
 * every page, and screenshots at 1280 and 375 px in English and German.
 */
describe("host portal in a browser", () => {
  const { dataDir, env } = serviceEnvironment("calbridge-portal-");
  let service: ServiceProcess;
  let browser: Browser;
  let feedServer: Server;
  let feedUrl: string;
  let base: string;
  let auth: Record<string, string>;
  let tenantSlug: string;
  let hostId: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? auth : { ...auth, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  const newContext = (options: { locale?: string; width?: number } = {}) =>
    browser.newContext({
      locale: options.locale ?? "en-US",
      timezoneId: "Europe/Berlin",
      viewport: { width: options.width ?? 1280, height: 900 },
      // Only so that axe-core can be injected; the pages are the same.
      bypassCSP: true,
    });

  /** Opens a fresh sign-in link and presses Continue: the portal opens on the Calendars page. */
  const signIn = async (context: BrowserContext): Promise<Page> => {
    const { url } = await api("POST", `/v1/hosts/${hostId}/portal-links`);
    const page = await context.newPage();
    await page.goto(url);
    await page.locator("form button[type=submit]").click();
    await page.waitForURL(`${base}/portal`);
    await page.locator(".signed-in-as").waitFor();
    return page;
  };

  const seriousViolations = async (page: Page) => {
    await page.evaluate(axe.source);
    const result = await page.evaluate(async () => {
      const { violations } = await (
        globalThis as unknown as {
          axe: {
            run: () => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }>;
          };
        }
      ).axe.run();
      return violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        nodes: violation.nodes.length,
      }));
    });
    return result.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    feedServer = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/calendar" }).end(FEED);
    });
    await new Promise<void>((resolve) => feedServer.listen(0, "127.0.0.1", resolve));
    feedUrl = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/team.ics`;
    const port = await findFreePort();
    Object.assign(env, {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SANDBOX: "auto",
      OUTBOUND_ALLOW: "127.0.0.1",
      LOG_LEVEL: "warn",
    });
    // The sandboxes start as a child process of the service: on a loaded machine that takes a while.
    service = await startService({ env, dataDir, startupTimeoutMs: 240_000 });
    base = service.url.replace("localhost", "127.0.0.1");
    const { stdout } = await run(process.execPath, [cliPath, "tenant", "create", "Expert Hub", "--json"], {
      env,
    });
    const created = JSON.parse(stdout) as { tenant: { slug: string }; apiKey: string };
    tenantSlug = created.tenant.slug;
    auth = { authorization: `Bearer ${created.apiKey}` };
    hostId = (
      await api("POST", "/v1/hosts", { name: "Dana Expert", email: "dana@example.com", timeZone: "UTC" })
    ).id;
    await api("POST", `/v1/hosts/${hostId}/schedules`, {
      isDefault: true,
      timeZone: "Europe/Berlin",
      weekly: Object.fromEntries(
        ["mon", "tue", "wed", "thu", "fri"].map((day) => [day, [["09:00", "17:00"]]]),
      ),
    });
    await api("POST", "/v1/event-types", {
      slug: "intro",
      title: "Intro call",
      durations: [30],
      hostIds: [hostId],
    });
    const monday = nextWeekday(1);
    await fetch(`${base}/v1/public/${tenantSlug}/intro/bookings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        start: `${monday}T09:00:00Z`,
        timeZone: "Europe/Berlin",
        name: "Alex Attendee",
        email: "alex@example.com",
      }),
    }).then((response) => expect(response.status).toBe(201));
    browser = await launchChromium();
  }, 400_000);
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    feedServer?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("signs in through a link; a used link is refused with a message; the sign-in is audited", async () => {
    const context = await newContext();
    const { url } = await api("POST", `/v1/hosts/${hostId}/portal-links`);
    const page = await context.newPage();
    await page.goto(url);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain("Sign in");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(`${base}/portal`);
    await expect(page.locator(".signed-in-as").textContent()).resolves.toContain("Dana Expert");

    const other = await browser.newContext();
    const second = await other.newPage();
    await second.goto(url);
    await second.getByRole("button", { name: "Continue" }).click();
    await second.waitForURL(/error=used/);
    await expect(second.getByRole("alert").textContent()).resolves.toContain("already been used");
    await second.goto(`${base}/portal/sign-in?error=expired`);
    await expect(second.getByRole("alert").textContent()).resolves.toContain("expired");
    await second.goto(`${base}/portal/calendars`);
    await expect(second.getByRole("heading", { level: 1 }).textContent()).resolves.toContain("signed out");
    await other.close();

    const audit = await api("GET", `/v1/audit?action=portal.signed_in&hostId=${hostId}`);
    expect(audit.data.length).toBeGreaterThanOrEqual(1);
    expect(audit.data[0].actor.kind).toBe("portal_session");
    await context.close();
  });

  it("refuses a change without the CSRF token, from the signed-in browser itself", async () => {
    const context = await newContext();
    const page = await signIn(context);
    const status = await page.evaluate(async (id) => {
      const response = await fetch(`/portal/api/hosts/${id}/schedules`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ timeZone: "UTC", weekly: { sun: [["09:00", "10:00"]] } }),
      });
      return response.status;
    }, hostId);
    expect(status).toBe(403);
    await context.close();
  });

  it("connects an .ics feed, Outlook and Google and shows each connected", async () => {
    const context = await newContext();
    const page = await signIn(context);
    // .ics: the form under "Add a calendar".
    await page.getByLabel("Feed address").fill(feedUrl);
    await page.getByLabel("Name (optional)").fill("Team feed");
    await page.getByRole("button", { name: "Add feed" }).click();
    const feedCard = page.getByRole("article", { name: "Team feed" });
    await feedCard.locator('[data-state="connected"]').waitFor({ timeout: 60_000 });

    for (const provider of ["Microsoft 365", "Google Calendar"]) {
      await page.getByRole("button", { name: `Connect ${provider}` }).click();
      // The sandbox's consent page: choose the first seeded account.
      await page.locator(".account").first().click();
      await page.waitForURL(/\/portal\/calendars/);
      await page.getByText("Your calendar is connected.").waitFor();
      const card = page.getByRole("article", { name: new RegExp(`^${provider}`) });
      await card.locator('[data-state="connected"]').waitFor({ timeout: 90_000 });
      // The calendars of the account are listed with their choices.
      expect(await card.locator("tbody tr").count()).toBeGreaterThan(0);
    }
    await page.reload();
    await page.locator('[data-state="connected"]').nth(2).waitFor();
    await context.close();
  });

  it("changes the public slots answer when the host edits hours", async () => {
    const saturday = nextWeekday(6);
    const slotsOn = async () => {
      const response = await fetch(
        `${base}/v1/public/${tenantSlug}/intro/slots?from=${saturday}T00:00:00Z&to=${saturday}T23:59:00Z&timeZone=Europe/Berlin`,
      );
      return ((await response.json()) as { slots: unknown[] }).slots.length;
    };
    expect(await slotsOn()).toBe(0);
    const context = await newContext();
    const page = await signIn(context);
    await page.getByRole("link", { name: "Availability" }).click();
    await page.getByRole("checkbox", { name: "Saturday" }).check();
    await page.getByLabel("Saturday: From").first().fill("10:00");
    await page.getByLabel("Saturday: To").first().fill("12:00");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("Saved").waitFor();
    // 10:00-12:00 in 30-minute slots.
    expect(await slotsOn()).toBe(4);
    await context.close();
  });

  const views = ["en-US", "de-DE"].flatMap((locale) => [1280, 375].map((width) => ({ locale, width })));
  it.each(views)(
    "has no serious or critical axe violation and is screenshotted on every page: $locale at $width px",
    async ({ locale, width }) => {
      const lang = locale.slice(0, 2);
      const context = await newContext({ locale, width });
      const shot = async (page: Page, name: string) => {
        expect(await seriousViolations(page), `${name} ${lang} ${width}`).toEqual([]);
        await page.screenshot({ path: join(SCREENSHOTS, `${name}-${lang}-${width}.png`), fullPage: true });
      };
      const { url } = await api("POST", `/v1/hosts/${hostId}/portal-links`);
      const landing = await context.newPage();
      await landing.goto(url);
      await shot(landing, "sign-in");
      await landing.goto(`${base}/portal/sign-in?error=used`);
      await shot(landing, "sign-in-used");
      await landing.close();
      const page = await signIn(context);
      // The feed, Outlook and Google of the connect test, all read.
      await page.locator('[data-state="connected"]').nth(2).waitFor();
      await shot(page, "calendars");
      await page.locator("nav a").nth(1).click();
      await page.locator(".preview-day, .preview .empty").first().waitFor();
      await shot(page, "availability");
      await page.locator("nav a").nth(2).click();
      await page.locator(".booking").first().waitFor();
      await shot(page, "bookings");
      await page.locator(".booking .button").first().click();
      await page.locator("dialog .slot-chip").first().waitFor();
      await shot(page, "bookings-reschedule");
      await context.close();
    },
    400_000,
  );
});
