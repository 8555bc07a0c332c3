import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MONTH, startBookingUi } from "./support/booking-ui-fixture.ts";
import { screenshot, seriousViolations } from "./support/page-checks.ts";

type Ui = Awaited<ReturnType<typeof startBookingUi>>;

describe("booking page behaviour in Chromium", () => {
  let ui: Ui;
  beforeAll(async () => {
    ui = await startBookingUi();
  });
  afterAll(async () => {
    await ui?.close();
  });

  it("follows the browser's language, switches language with the menu and remembers it", async () => {
    const context = await ui.visitor({ locale: "de-DE", timezoneId: "Europe/Berlin" });
    const page = await ui.openPage(context, `${ui.bookingPath}?month=${MONTH}`);
    await page.getByLabel("Zeitzone").waitFor();
    expect(await page.evaluate("document.documentElement.lang")).toBe("de");
    expect(await page.locator("#calendar-heading").textContent()).toBe("März 2030");
    // 24-hour clock by default in German, times in Berlin.
    expect(await page.locator(".slot .slot-time").first().textContent()).toBe("09:00");
    await page.getByRole("combobox", { name: "Sprache" }).selectOption("fr");
    await page.getByLabel("Fuseau horaire").waitFor();
    expect(await page.locator("#calendar-heading").textContent()).toBe("mars 2030");
    await page.reload();
    await page.getByLabel("Fuseau horaire").waitFor();
    expect(await page.evaluate("document.documentElement.lang")).toBe("fr");
    await screenshot(page, "booking-fr-1280");
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it("switches the zone through the searchable list and the clock with the toggle", async () => {
    const context = await ui.visitor();
    const page = await ui.openPage(context, `${ui.bookingPath}?month=${MONTH}`);
    await page.locator(".slot").first().waitFor();
    expect(await page.locator(".slot .slot-time").first().textContent()).toBe("3:00 AM");
    const zone = page.getByRole("combobox", { name: "Time zone" });
    await zone.click();
    await zone.fill("tokyo");
    await page.getByRole("option", { name: /Asia\/Tokyo/ }).waitFor();
    await screenshot(page, "zone-search-en-1280");
    expect(await seriousViolations(page)).toEqual([]);
    await zone.press("Enter");
    await page.getByRole("button", { name: "24 h" }).click();
    // 09:00 in Berlin (UTC+1) is 17:00 in Tokyo (UTC+9): Monday's first time there.
    await page.getByRole("button", { name: /March 4, 2030/ }).click();
    await page.getByRole("heading", { name: "Monday, March 4" }).waitFor();
    expect(await page.locator(".slot .slot-time").first().textContent()).toBe("17:00");
    await context.close();
  });

  it("can be used with the keyboard alone: arrows across days, Enter on a time", async () => {
    const context = await ui.visitor();
    const page = await ui.openPage(context, `${ui.bookingPath}?month=${MONTH}`);
    await page.locator(".slot").first().waitFor();
    // The selected day holds the calendar's one tab stop.
    await page.locator(".day.free.selected").focus();
    await page.keyboard.press("ArrowRight"); // Friday 1 → Monday 4 (the weekend has no times)
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Monday, March 4" }).waitFor();
    expect(await page.evaluate('document.activeElement?.getAttribute("aria-label")')).toContain(
      "Monday, March 4, 2030",
    );
    await page.locator(".slot").first().focus();
    await page.keyboard.press("Enter");
    await page.locator('input[name="name"]').waitFor();
    await context.close();
  });

  it("says when the connection is lost and books on retry", async () => {
    const context = await ui.visitor();
    const page = await ui.openPage(context, `${ui.bookingPath}?month=${MONTH}`);
    await page.locator(".slot").first().click();
    await page.locator('input[name="name"]').fill("Olga Offline");
    await page.locator('input[name="email"]').fill("olga@example.com");
    await page.locator('input[name="company"]').fill("Nowhere");
    await context.setOffline(true);
    await page.locator('button[type="submit"]').click();
    await page.getByText("We can't reach the server").waitFor();
    await screenshot(page, "offline-en-1280");
    await context.setOffline(false);
    await page.getByRole("button", { name: "Try again" }).click();
    await page.getByRole("heading", { name: "This meeting is scheduled" }).waitFor();
    await context.close();
  });

  it("shows the server's validation message at the field it concerns", async () => {
    const context = await ui.visitor();
    const page = await ui.openPage(context, `${ui.bookingPath}?month=${MONTH}`);
    await page.locator(".slot").first().click();
    await page.locator('input[name="name"]').fill("Sam Server");
    // Passes the page's check, not the server's (no top-level domain part the server accepts).
    await page.locator('input[name="email"]').fill("sam@-example.com");
    await page.locator('input[name="company"]').fill("Serverside");
    await page.locator('button[type="submit"]').click();
    const error = page.locator('[id$="-email-error"]');
    await error.waitFor();
    expect(await error.textContent()).toContain("email must be a valid e-mail address");
    expect(await page.locator('input[name="email"]').getAttribute("aria-invalid")).toBe("true");
    await context.close();
  });

  it("shows the tenant's brand colour and logo", async () => {
    const patched = await ui.api("PATCH", "/v1/tenant", {
      bookingPage: { brandColor: "#0E9F6E", logoUrl: "/ui/logo-test.svg" },
    });
    expect(patched.status).toBe(200);
    const context = await ui.visitor();
    const page = await ui.openPage(context, `${ui.bookingPath}?month=${MONTH}`);
    await page.locator(".slot").first().waitFor();
    expect(await page.locator("img.logo").getAttribute("src")).toBe("/ui/logo-test.svg");
    expect(await page.locator("img.logo").getAttribute("alt")).toBe("Acme Consulting");
    // Green #0e9f6e reads at only ~3.4:1 on white: the page darkens it for text and fills.
    const brand = await page.evaluate<string>(
      'getComputedStyle(document.documentElement).getPropertyValue("--brand-text")',
    );
    expect(brand.trim()).not.toBe("#0e9f6e");
    expect(await seriousViolations(page)).toEqual([]);
    await ui.api("PATCH", "/v1/tenant", { bookingPage: { brandColor: null, logoUrl: null } });
    await context.close();
  });

  it("keeps the plain page and its cancel form for browsers without JavaScript", async () => {
    const made = await ui.bookDirectly("2030-03-05T10:00:00Z", "Nora NoScript");
    expect(made.status).toBe(201);
    const manage = new URL((made.body.links as { manage: string }).manage).pathname;
    const context = await ui.visitor({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${ui.base}${manage}`);
    await page.waitForURL(/\?nojs=1$/);
    await page.locator("textarea#reason").fill("No scripts here");
    await page.getByRole("button", { name: "Cancel booking" }).click();
    await page.getByText("Your booking has been cancelled.").waitFor();
    const json = (await (await fetch(`${ui.base}${manage}`)).json()) as { status: string };
    expect(json.status).toBe("cancelled");
    await context.close();
  });

  it("answers an unknown event type with a friendly page", async () => {
    const context = await ui.visitor();
    const page = await ui.openPage(context, `/${ui.tenant.slug}/no-such-event`);
    await page.getByRole("heading", { name: "This page does not exist" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });
});
