import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MONTH, startBookingUi } from "./support/booking-ui-fixture.ts";
import { screenshot, seriousViolations } from "./support/page-checks.ts";

type Ui = Awaited<ReturnType<typeof startBookingUi>>;

/** How the page loads slots, counted on the wire; and what it says when the service's rate limit answers. */
describe("booking page loading", () => {
  let ui: Ui;
  beforeAll(async () => {
    // Slot requests per client and minute: this month, the prefetched next one and three more, then 429.
    ui = await startBookingUi({ rateLimitPerMinute: 5 });
  });
  afterAll(async () => {
    await ui?.close();
  });

  it("fetches the visible month once and prefetches the next; a rate limit shows a message with a retry", async () => {
    const context = await ui.visitor();
    const page = await context.newPage();
    const months: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname.endsWith("/slots")) months.push(url.searchParams.get("to")!.slice(0, 7));
    });
    await page.clock.setFixedTime(new Date("2030-02-28T12:00:00Z"));
    await page.goto(`${ui.base}${ui.bookingPath}?month=${MONTH}`);
    await page.locator(".slot").first().waitFor();
    await expect.poll(() => months.length).toBe(2);
    // Each month's range reaches 14 hours into the next (the month in every zone): March, then April prefetched.
    expect(months).toEqual(["2030-04", "2030-05"]);

    // April is on hand already: no request; its own next month (May) is prefetched.
    await page.getByRole("button", { name: "Next month" }).click();
    await page.locator("#calendar-heading", { hasText: "April 2030" }).waitFor();
    await page.locator(".slot").first().waitFor();
    await expect.poll(() => months.length).toBe(3);
    expect(months[2]).toBe("2030-06");
    // Back to March: from memory.
    await page.getByRole("button", { name: "Previous month" }).click();
    await page.locator(".slot").first().waitFor();
    expect(months.length).toBe(3);

    // The slots limit is 5 a minute: August's prefetch (the sixth request) is refused quietly, August shown says so.
    for (let step = 0; step < 5; step += 1) await page.getByRole("button", { name: "Next month" }).click();
    await page.locator("#calendar-heading", { hasText: "August 2030" }).waitFor();
    await page.getByText("Too many requests right now").waitFor();
    await page.getByRole("button", { name: "Try again" }).waitFor();
    await screenshot(page, "rate-limited-en-1280");
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });
});
