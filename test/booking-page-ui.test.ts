import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MONTH, startBookingUi } from "./support/booking-ui-fixture.ts";
import { screenshot, seriousViolations } from "./support/page-checks.ts";

type Ui = Awaited<ReturnType<typeof startBookingUi>>;

/** Picks Monday 2030-03-04 in the month calendar and returns the slot buttons' visible times. */
async function openMarch4(page: Page): Promise<string[]> {
  await page.getByRole("button", { name: /March 4, 2030/ }).click();
  await page.getByRole("heading", { name: "Monday, March 4" }).waitFor();
  return page.locator(".slot .slot-time").allTextContents();
}

async function fillDetails(page: Page, name: string) {
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("E-mail address").fill(`${name.split(" ")[0]!.toLowerCase()}@example.com`);
  await page.getByLabel("Company").fill("Initech");
}

describe("public booking page in Chromium", () => {
  let ui: Ui;
  beforeAll(async () => {
    ui = await startBookingUi();
  });
  afterAll(async () => {
    await ui?.close();
  });

  it("books a slot end to end; the slot is then gone for the next visitor", async () => {
    const context = await ui.visitor();
    const page = await ui.openPage(context, `${ui.bookingPath}?month=${MONTH}`);
    await page.getByRole("heading", { name: "Intro call", level: 1 }).waitFor();
    await expect(page.getByText("Dana Berger")).toBeTruthy();
    const times = await openMarch4(page);
    expect(times[0]).toBe("3:00 AM"); // 09:00 in Berlin is 03:00 in New York
    await screenshot(page, "booking-en-1280");
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("button", { name: "Monday, March 4, 3:00 AM" }).click();
    await page.getByLabel("Your name").waitFor();
    // Inline validation: nothing sent until the form is complete.
    await page.getByRole("button", { name: "Confirm booking" }).click();
    await page.getByText("Please enter your name.").waitFor();
    await page.getByText("Please answer this question.").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await fillDetails(page, "Ina Invitee");
    await page.getByLabel(/Anything that will help/).fill("Looking forward to it");
    await page.getByRole("button", { name: "Confirm booking" }).click();
    await page.getByRole("heading", { name: "This meeting is scheduled" }).waitFor();
    const body = await page.locator("main").textContent();
    expect(body).toContain("Monday, March 4, 2030, 3:00 AM – 3:30 AM");
    expect(body).toContain("9:00 AM – 9:30 AM for the host (Europe/Berlin)");
    expect(await seriousViolations(page)).toEqual([]);
    const ics = await page.getByRole("link", { name: "Download .ics" }).getAttribute("href");
    const file = await fetch(`${ui.base}${ics}`);
    expect(file.status).toBe(200);
    expect(await file.text()).toContain("BEGIN:VEVENT");
    const google = await page.getByRole("link", { name: "Google Calendar" }).getAttribute("href");
    expect(google).toContain("dates=20300304T080000Z%2F20300304T083000Z");
    const outlook = await page.getByRole("link", { name: "Outlook" }).getAttribute("href");
    expect(outlook).toContain("startdt=2030-03-04T08%3A00%3A00.000Z");

    const next = await ui.openPage(await ui.visitor(), `${ui.bookingPath}?month=${MONTH}`);
    const left = await openMarch4(next);
    expect(left).not.toContain("3:00 AM");
    expect(left[0]).toBe("3:30 AM");
  });
});
