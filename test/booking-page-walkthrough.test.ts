import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Language, translator } from "../web/src/shared/i18n.ts";
import { MONTH, startBookingUi } from "./support/booking-ui-fixture.ts";
import { screenshot, seriousViolations } from "./support/page-checks.ts";

type Ui = Awaited<ReturnType<typeof startBookingUi>>;

const VISITORS = [
  { language: "en" as Language, locale: "en-US", timezoneId: "America/New_York" },
  { language: "de" as Language, locale: "de-DE", timezoneId: "Europe/Berlin" },
];
const WIDTHS = [1280, 375];

/**
 * Every page of the booking flow, at 1280 and 375 px, in English and German: each is screenshotted and checked with
 * axe-core (no serious or critical violation). The walk is also the test of the flow itself: a slot taken meanwhile
 * (409) offers nearby times and one click books one; the manage link reschedules and cancels.
 */
describe.each(VISITORS)("booking flow in Chromium ($locale)", ({ language, locale, timezoneId }) => {
  const t = translator(language);
  let ui: Ui;
  beforeAll(async () => {
    ui = await startBookingUi();
  });
  afterAll(async () => {
    await ui?.close();
  });

  const check = async (page: Page, name: string) => {
    await screenshot(page, name);
    expect(await seriousViolations(page), name).toEqual([]);
  };
  const h1 = (page: Page) => page.locator("main h1").first().textContent();

  it.each(WIDTHS)("at %i px: book (through a lost slot), reschedule and cancel", async (width) => {
    const context = await ui.visitor({ locale, timezoneId, viewport: { width, height: 900 } });
    const page = await ui.openPage(context, `${ui.bookingPath}?month=${MONTH}`);
    const tag = `${language}-${width}`;
    await page.locator(".slot").first().waitFor();
    await check(page, `01-booking-${tag}`);

    // The visitor picks the first free time (and holds it); someone else books it after the hold lapsed.
    const chosen = page.locator(".slot").first();
    const label = await chosen.getAttribute("aria-label");
    await chosen.click();
    await page.locator('input[name="name"]').waitFor();
    await page.locator('button[type="submit"]').click();
    await page.getByText(t("nameRequired")).waitFor();
    await check(page, `02-form-errors-${tag}`);
    await page.locator('input[name="name"]').fill("Ina Invitee");
    await page.locator('input[name="email"]').fill("ina@example.com");
    await page.locator('input[name="company"]').fill("Initech");
    await page.locator('select[name="size"]').selectOption("11-50");
    await page.locator('textarea[name="notes"]').fill("Looking forward to it.");
    await check(page, `03-form-${tag}`);

    // The visitor's hold on it lapses meanwhile (the form took longer than the hold lasts), so it can be taken.
    await ui.expireHolds();
    const slots = (await (
      await fetch(
        `${ui.base}/v1/public/${ui.tenant.slug}/intro-call/slots?from=2030-03-01T00:00:00Z&to=2030-03-31T00:00:00Z&timeZone=UTC`,
      )
    ).json()) as { slots: Array<{ start: string }> };
    const firstStart = slots.slots[0]!.start;
    expect((await ui.bookDirectly(firstStart)).status).toBe(201);
    await page.locator('button[type="submit"]').click();
    await page.getByRole("heading", { name: t("takenTitle") }).waitFor();
    await check(page, `04-taken-${tag}`);
    expect(label).toBeTruthy();

    // One click on a nearby time books it with the details already given.
    await page.locator(".taken .slot").first().click();
    await page
      .getByRole("heading", { name: t("booked") })
      .waitFor({ timeout: 5000 })
      .catch(async (error) => {
        await screenshot(page, `debug-${tag}`);
        throw error;
      });
    await check(page, `05-confirmation-${tag}`);
    const manage = await page.locator(".manage-link a").getAttribute("href");
    expect(manage).toMatch(/^\/v1\/public\/bookings\/[^/]+$/);
    const before = (await (await fetch(`${ui.base}${manage}`)).json()) as { start: string; answers: unknown };
    expect(before.answers).toEqual({ company: "Initech", size: "11-50", notes: "Looking forward to it." });
    expect(before.start).not.toBe(firstStart);

    // The manage link: the booking, then reschedule with the same picker.
    await page.locator(".manage-link a").click();
    await page.getByRole("heading", { name: t("bookingTitle") }).waitFor();
    await check(page, `06-manage-${tag}`);
    await page.getByRole("link", { name: t("reschedule"), exact: true }).click();
    await page.getByRole("heading", { name: t("rescheduleTitle") }).waitFor();
    await page.locator(".picker .slot").first().waitFor();
    await check(page, `07-reschedule-${tag}`);
    await page.locator(".picker .slot").nth(2).click();
    await page.locator(".confirm-move .button.primary").click();
    await page.getByRole("heading", { name: t("rescheduled") }).waitFor();
    await check(page, `08-rescheduled-${tag}`);
    const moved = (await (await fetch(`${ui.base}${manage}`)).json()) as { start: string; status: string };
    expect(moved.start).not.toBe(before.start);
    expect(moved.status).toBe("confirmed");

    // The cancel link asks for a reason.
    await page.goto(`${ui.base}${manage}/cancel`);
    await page.getByRole("heading", { name: t("cancelTitle") }).waitFor();
    await page.locator(".booking-form button[type=submit]").click();
    await page.getByText(t("reasonRequired")).waitFor();
    await check(page, `09-cancel-${tag}`);
    await page.locator('textarea[name="reason"]').fill("Something came up");
    await page.locator(".booking-form button[type=submit]").click();
    await page.getByRole("heading", { name: t("cancelled") }).waitFor();
    await check(page, `10-cancelled-${tag}`);
    const cancelled = (await (await fetch(`${ui.base}${manage}`)).json()) as {
      status: string;
      cancelReason: string;
    };
    expect(cancelled).toMatchObject({ status: "cancelled", cancelReason: "Something came up" });
    expect(await h1(page)).toBe(t("cancelled"));
    await context.close();
  });
});
